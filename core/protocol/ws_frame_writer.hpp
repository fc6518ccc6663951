#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/protocol/shared_frame.hpp"
#include "core/protocol/ws_frame_parser.hpp"

namespace kata::protocol::ws {

// Largest header: 2 bytes, 8 of extended length, 4 of mask.
inline constexpr std::size_t max_header_bytes = 14;

// Header length of a frame carrying `payload_size` bytes (2, 4 or 10; plus 4 when masked).
std::size_t header_size(std::size_t payload_size, bool masked = false);

// Writes a FIN frame header into `out` (room for max_header_bytes) and returns its length. With
// `mask`, sets the mask bit and appends the key; the caller masks the payload.
std::size_t write_header(char* out, opcode op, std::size_t payload_size,
                         const std::array<std::uint8_t, 4>* mask = nullptr);

// A whole unmasked server frame (header and payload) in one shared buffer, framed once and sent
// as is to every subscriber.
shared_frame server_frame(opcode op, std::string_view payload);
// The same as server_frame(text, ...) for a payload built in place: calls `fill(char* dst)` to
// write exactly `payload_size` bytes after the header.
template <class Fill>
shared_frame server_text_frame(std::size_t payload_size, Fill&& fill) {
    char* data = nullptr;
    const auto head = header_size(payload_size);
    auto f = shared_frame::allocate(head + payload_size, data);
    write_header(data, opcode::text, payload_size);
    fill(data + head);
    return f;
}

// A masked client frame (the load generator, tests, the fuzz target's round trip).
std::string client_frame(opcode op, std::string_view payload, std::array<std::uint8_t, 4> mask,
                         bool fin = true);

// XORs `bytes` with the mask, starting at mask position `offset`.
void apply_mask(char* bytes, std::size_t size, std::array<std::uint8_t, 4> mask,
                std::size_t offset = 0);

// The body of a close frame: the code in network order and the reason (callers keep reasons
// short ASCII, under 123 bytes).
std::string close_body(std::uint16_t code, std::string_view reason);

}  // namespace kata::protocol::ws
