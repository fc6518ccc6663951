#include "core/protocol/deflate/event_frame.hpp"

#include <cstring>
#include <string>

#include "core/protocol/deflate/compressor.hpp"
#include "core/protocol/ws_frame_writer.hpp"

namespace kata::protocol::deflate {

shared_frame event_frame(std::string_view message, const compression_settings& settings,
                         bool compress, bool* compressed) {
    if (compressed) *compressed = false;
    if (!compress || !settings.enabled || message.size() < settings.min_bytes) {
        return ws::server_frame(ws::opcode::text, message);
    }
    // One buffer per thread: the shared frame is the only allocation that outlives the call.
    thread_local std::string scratch;
    if (!thread_compressor(settings.level).compress(message, scratch)) {
        return ws::server_frame(ws::opcode::text, message);
    }
    const std::size_t plain_size = ws::header_size(message.size()) + message.size();
    const std::size_t deflated_size = ws::header_size(scratch.size()) + scratch.size();
    char* data = nullptr;
    auto f = shared_frame::allocate_pair(plain_size, deflated_size, data);
    const auto head = ws::write_header(data, ws::opcode::text, message.size());
    std::memcpy(data + head, message.data(), message.size());
    char* z = data + plain_size;
    const auto zhead = ws::write_header(z, ws::opcode::text, scratch.size());
    z[0] = static_cast<char>(z[0] | 0x40);  // RSV1: the message is compressed (RFC 7692 6)
    std::memcpy(z + zhead, scratch.data(), scratch.size());
    if (scratch.capacity() > 64 * 1024) std::string().swap(scratch);
    if (compressed) *compressed = true;
    return f;
}

}  // namespace kata::protocol::deflate
