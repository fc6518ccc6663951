#pragma once
#include <cstddef>

namespace kata::protocol::deflate {

// `compression` in the config: permessage-deflate for the clients that offer it.
struct compression_settings {
    bool enabled = true;          // false: every offer is declined, every frame goes plain
    std::size_t min_bytes = 256;  // smaller events go plain (compression would barely pay)
    int level = 6;                // libdeflate's 0-12 (1: fastest; 0: stored, no compression)
    bool operator==(const compression_settings&) const = default;
};

}  // namespace kata::protocol::deflate
