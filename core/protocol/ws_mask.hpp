#pragma once
// RFC 6455 5.3 masking, shared by the writer's apply_mask and the parser's unmasking. Internal to
// the codec: callers use ws::apply_mask.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kata::protocol::ws::detail {

// XORs `bytes` with the key, starting at key position `offset`, 8 bytes at a time, and tells
// whether every resulting byte is ASCII. The parser gets that answer from the same pass over the
// payload, so an ASCII text frame (the usual JSON command) needs no second read for UTF-8.
inline bool mask_and_check_ascii(char* bytes, std::size_t size, std::array<std::uint8_t, 4> mask,
                                 std::size_t offset) {
    // The key rotated so that the byte applying to bytes[0] comes first in memory, repeated to a
    // 64-bit word. Built with shifts, not byte stores: reading back 8 bytes just stored one at a
    // time stalls store forwarding, which cost a third of a 100-byte parse.
    std::uint32_t key32;
    std::memcpy(&key32, mask.data(), 4);
    const int shift = static_cast<int>(8 * (offset & 3));
    key32 = std::endian::native == std::endian::little ? std::rotr(key32, shift)
                                                       : std::rotl(key32, shift);
    const std::uint64_t word = (std::uint64_t{key32} << 32) | key32;
    std::uint64_t seen = 0;
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t v;
        std::memcpy(&v, bytes + i, 8);
        v ^= word;
        seen |= v;
        std::memcpy(bytes + i, &v, 8);
    }
    for (; i < size; ++i) {
        const auto b = static_cast<std::uint8_t>(bytes[i] ^ mask[(offset + i) & 3]);
        seen |= b;
        bytes[i] = static_cast<char>(b);
    }
    return (seen & 0x8080808080808080ULL) == 0;
}

}  // namespace kata::protocol::ws::detail
