#include "core/protocol/ws_frame_writer.hpp"

#include <cstring>

#include "core/protocol/ws_mask.hpp"

namespace kata::protocol::ws {

std::size_t header_size(std::size_t payload_size, bool masked) {
    const std::size_t base = payload_size < 126 ? 2 : payload_size <= 0xFFFF ? 4 : 10;
    return base + (masked ? 4 : 0);
}

std::size_t write_header(char* out, opcode op, std::size_t payload_size,
                         const std::array<std::uint8_t, 4>* mask) {
    auto* o = reinterpret_cast<unsigned char*>(out);
    o[0] = static_cast<unsigned char>(0x80 | static_cast<unsigned>(op));
    const unsigned char mask_bit = mask ? 0x80 : 0x00;
    std::size_t n = 2;
    // RFC 6455 5.2: the minimal number of bytes must be used to encode the length.
    if (payload_size < 126) {
        o[1] = static_cast<unsigned char>(mask_bit | payload_size);
    } else if (payload_size <= 0xFFFF) {
        o[1] = mask_bit | 126;
        o[2] = static_cast<unsigned char>(payload_size >> 8);
        o[3] = static_cast<unsigned char>(payload_size);
        n = 4;
    } else {
        o[1] = mask_bit | 127;
        const auto len = static_cast<std::uint64_t>(payload_size);
        for (int i = 0; i < 8; ++i)
            o[2 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
        n = 10;
    }
    if (mask) {
        std::memcpy(o + n, mask->data(), 4);
        n += 4;
    }
    return n;
}

shared_frame server_frame(opcode op, std::string_view payload) {
    char* data = nullptr;
    const auto head = header_size(payload.size());
    auto f = shared_frame::allocate(head + payload.size(), data);
    write_header(data, op, payload.size());
    if (!payload.empty()) std::memcpy(data + head, payload.data(), payload.size());
    return f;
}

std::string client_frame(opcode op, std::string_view payload, std::array<std::uint8_t, 4> mask,
                         bool fin) {
    char header[max_header_bytes];
    const auto head = write_header(header, op, payload.size(), &mask);
    if (!fin) header[0] = static_cast<char>(static_cast<unsigned char>(header[0]) & 0x7F);
    std::string frame;
    frame.reserve(head + payload.size());
    frame.append(header, head).append(payload);
    apply_mask(frame.data() + head, payload.size(), mask);
    return frame;
}

void apply_mask(char* bytes, std::size_t size, std::array<std::uint8_t, 4> mask,
                std::size_t offset) {
    detail::mask_and_check_ascii(bytes, size, mask, offset);
}

std::string close_body(std::uint16_t code, std::string_view reason) {
    std::string body;
    body.reserve(2 + reason.size());
    body.push_back(static_cast<char>(code >> 8));
    body.push_back(static_cast<char>(code & 0xFF));
    body.append(reason);
    return body;
}

}  // namespace kata::protocol::ws
