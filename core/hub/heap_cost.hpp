#pragma once
#include <algorithm>
#include <cstddef>
#include <string>

namespace kata::hub {

// What the allocator takes for one request of `n` bytes (glibc malloc: an 8-byte header, 16-byte
// granularity, 32 bytes at least). The history budget counts memory this way, so a thousand
// one-event channels cost what they really hold, not just their events' bytes.
constexpr std::size_t heap_chunk(std::size_t n) {
    return std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
}

// The heap a std::string of `size` characters holds beyond its object (none within the
// small-string buffer).
inline std::size_t string_heap(std::size_t size) {
    return size < sizeof(std::string) / 2 ? 0 : heap_chunk(size + 1);
}

}  // namespace kata::hub
