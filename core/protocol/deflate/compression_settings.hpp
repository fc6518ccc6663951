#pragma once
#include <cstddef>

namespace kata::protocol::deflate {

// `compression` in the config: permessage-deflate for the clients that offer it.
struct compression_settings {
    bool enabled = true;          // false: every offer is declined, every frame goes plain
    std::size_t min_bytes = 256;  // smaller events go plain (compression would barely pay)
    // libdeflate's 0-12 (1: fastest; 0: stored, no compression). 1 by default: on log events of
    // 0.5-8 KiB it costs 60-85 % of level 6's CPU for a ratio within 2 points of it
    // (docs/performance.md).
    int level = 1;
    bool operator==(const compression_settings&) const = default;
};

}  // namespace kata::protocol::deflate
