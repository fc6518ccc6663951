#include "core/protocol/ws_frame_parser.hpp"

#include <algorithm>

#include "core/protocol/deflate/inflater.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "core/protocol/ws_mask.hpp"

namespace kata::protocol::ws {
namespace {

constexpr std::uint8_t op_continuation = 0x0;
constexpr std::uint8_t op_text = 0x1;
constexpr std::uint8_t op_binary = 0x2;
constexpr std::uint8_t op_close = 0x8;
constexpr std::uint8_t op_ping = 0x9;
constexpr std::uint8_t op_pong = 0xA;

constexpr bool is_control(std::uint8_t op) {
    return (op & 0x8) != 0;
}

// 3-7 and 0xB-0xF are reserved (RFC 6455 5.2) and no extension defining them is negotiated.
constexpr bool known_opcode(std::uint8_t op) {
    return op == op_continuation || op == op_text || op == op_binary || op == op_close ||
           op == op_ping || op == op_pong;
}

}  // namespace

bool valid_peer_close_code(std::uint16_t code) {
    // 1004 is reserved, 1005 and 1006 must never be on the wire, 1015 is TLS-only and local;
    // 1016-2999 are unassigned (RFC 6455 7.4.2) and 3000-4999 belong to libraries and apps.
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

frame_parser::frame_parser(parser_options options) : options_(options) {}

bool frame_parser::holds_partial() const {
    return in_frame_ || message_op_ != 0 || !pending_.empty();
}

void frame_parser::release_memory() {
    // Swapping with a fresh string is the one way the standard guarantees gives capacity back;
    // shrink_to_fit is only a request.
    if (pending_.empty()) std::string().swap(pending_);
    if (message_.empty()) std::string().swap(message_);
}

void frame_parser::fail(std::uint16_t close_code, const char* reason) {
    failed_ = true;
    error_ = {close_code, reason};
    in_frame_ = false;
    message_op_ = 0;
    // The connection is closing: nothing held is of use any more.
    std::string().swap(pending_);
    std::string().swap(message_);
}

frame_parser::header_status frame_parser::parse_header(const char* h, std::size_t size,
                                                       std::size_t& header_bytes) {
    if (size < 2) return header_status::need_more;
    const auto b0 = static_cast<std::uint8_t>(h[0]);
    const auto b1 = static_cast<std::uint8_t>(h[1]);
    const bool fin = (b0 & 0x80) != 0;
    const std::uint8_t op = b0 & 0x0F;
    const bool masked = (b1 & 0x80) != 0;
    const std::uint8_t len7 = b1 & 0x7F;

    // Everything decidable from the first two bytes is refused before waiting for the rest.
    // RSV1 is permessage-deflate's, on the first frame of a data message only (RFC 7692 6.1).
    const bool rsv1 = (b0 & 0x40) != 0;
    if (b0 & 0x30) return fail(1002, "reserved bits set"), header_status::error;
    if (rsv1 && (!options_.deflate || (op != op_text && op != op_binary))) {
        return fail(1002, "reserved bits set"), header_status::error;
    }
    if (!known_opcode(op)) return fail(1002, "reserved opcode"), header_status::error;
    if (masked != options_.server_role) {
        fail(1002, options_.server_role ? "unmasked frame" : "masked frame");
        return header_status::error;
    }
    if (is_control(op)) {
        if (!fin) return fail(1002, "fragmented control frame"), header_status::error;
        if (len7 > 125) return fail(1002, "control frame too long"), header_status::error;
        if (op == op_close && len7 == 1) return fail(1002, "bad close frame"), header_status::error;
    } else if (op == op_continuation) {
        if (message_op_ == 0) return fail(1002, "unexpected continuation"), header_status::error;
    } else if (message_op_ != 0) {
        return fail(1002, "expected continuation"), header_status::error;
    }

    const std::size_t length_bytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    const std::size_t need = 2 + length_bytes + (masked ? 4 : 0);
    if (size < need) return header_status::need_more;

    std::uint64_t length = len7;
    if (length_bytes != 0) {
        length = 0;
        for (std::size_t i = 0; i < length_bytes; ++i) {
            length = (length << 8) | static_cast<std::uint8_t>(h[2 + i]);
        }
        if (length >> 63) return fail(1002, "bad frame length"), header_status::error;
    }
    // The announced length decides, so a too-big message is refused before any of it is held.
    // message_ never exceeds the limit, so the subtraction cannot wrap.
    if (!is_control(op) && length > options_.max_message_bytes - message_.size()) {
        return fail(1009, "message too big"), header_status::error;
    }

    frame_fin_ = fin;
    frame_op_ = op;
    frame_masked_ = masked;
    frame_left_ = length;
    mask_phase_ = 0;
    if (masked)
        std::copy_n(reinterpret_cast<const std::uint8_t*>(h + 2 + length_bytes), 4, mask_.begin());
    if (op == op_text || op == op_binary) {
        message_op_ = rsv1 ? static_cast<std::uint8_t>(op | message_compressed) : op;
    }
    in_frame_ = true;
    header_bytes = need;
    return header_status::ok;
}

feed_result frame_parser::feed(std::span<char> bytes, frame_handler& handler) {
    if (failed_) return {0, error_};
    if (closed_) return {};
    char* const data = bytes.data();
    const std::size_t size = bytes.size();
    std::size_t pos = 0;
    for (;;) {
        if (!in_frame_) {
            if (pos == size) break;
            std::size_t header_bytes = 0;
            if (pending_.empty()) {
                const auto status = parse_header(data + pos, size - pos, header_bytes);
                if (status == header_status::error) return {pos, error_};
                if (status == header_status::need_more) {
                    // At most 13 bytes: they fit the string's inline buffer, no allocation.
                    pending_.assign(data + pos, size - pos);
                    pos = size;
                    break;
                }
                pos += header_bytes;
            } else {
                // The start of a header came in an earlier feed: complete it in pending_.
                const std::size_t held = pending_.size();
                const std::size_t added = std::min(max_header_bytes - held, size - pos);
                pending_.append(data + pos, added);
                const auto status = parse_header(pending_.data(), pending_.size(), header_bytes);
                if (status == header_status::error) return {pos, error_};
                if (status == header_status::need_more) {
                    pos += added;
                    break;
                }
                pos += header_bytes - held;
                pending_.clear();
            }
        }
        // The frame's payload, whole or the part of it this input holds; an empty payload is
        // still a frame to deliver.
        const auto take =
            static_cast<std::size_t>(std::min<std::uint64_t>(frame_left_, size - pos));
        if (take == 0 && frame_left_ != 0) break;
        char* const chunk = data + pos;
        bool ascii = false;
        if (frame_masked_) {
            ascii = detail::mask_and_check_ascii(chunk, take, mask_, mask_phase_);
            mask_phase_ = static_cast<std::uint8_t>((mask_phase_ + take) & 3);
        }
        frame_left_ -= take;
        pos += take;
        if (!on_payload(chunk, take, ascii, handler)) {
            if (failed_) return {pos, error_};
            return {pos, std::nullopt};
        }
    }
    return {pos, std::nullopt};
}

bool frame_parser::on_payload(char* data, std::size_t size, bool ascii, frame_handler& handler) {
    if (is_control(frame_op_)) {
        if (frame_left_ == 0 && pending_.empty()) {
            // The whole control frame was in this input: hand over a view of it.
            in_frame_ = false;
            return on_control({data, size}, handler);
        }
        pending_.append(data, size);
        if (frame_left_ != 0) return true;
        in_frame_ = false;
        const bool go_on = on_control(pending_, handler);
        if (!failed_) pending_.clear();
        return go_on;
    }

    // Text is checked piece by piece as it arrives, so invalid UTF-8 is refused at the first
    // byte that makes it so, not when the message ends. ASCII found while unmasking needs no
    // check on a character boundary (and is invalid in the middle of a character).
    // A compressed message's text is checked once inflated.
    const bool text = message_op_ == op_text;  // not compressed
    if (text && !(ascii && utf8_.complete()) && !utf8_.feed({data, size})) {
        return fail(1007, "invalid utf-8"), false;
    }
    if (frame_left_ != 0 || !frame_fin_) {
        message_.append(data, size);
        if (frame_left_ == 0) in_frame_ = false;
        return true;
    }

    in_frame_ = false;
    if (text && !utf8_.complete()) return fail(1007, "invalid utf-8"), false;
    const auto op = static_cast<std::uint8_t>(message_op_ & ~message_compressed);
    const bool compressed = (message_op_ & message_compressed) != 0;
    message_op_ = 0;
    utf8_.reset();
    // The fast path: a message that is one whole frame in the input is delivered in place.
    std::string_view message{data, size};
    if (!message_.empty()) {
        message_.append(data, size);
        message = message_;
    }
    const bool go_on = compressed      ? deliver_compressed(op, message, handler)
                       : op == op_text ? handler.on_text(message)
                                       : handler.on_binary(message);
    if (!failed_) message_.clear();
    return go_on;
}

bool frame_parser::deliver_compressed(std::uint8_t op, std::string_view message,
                                      frame_handler& handler) {
    if (!handler.admit_compressed()) return true;
    auto* inflater = handler.inflater();
    if (!inflater) return fail(1002, "reserved bits set"), false;
    const auto r = inflater->inflate(message, options_.max_message_bytes);
    using status = deflate::inflater::status;
    if (r.st == status::too_big) return fail(1009, "message too big"), false;
    if (r.st == status::invalid) return fail(1007, "invalid compressed data"), false;
    if (op == op_text) {
        utf8_validator check;
        if (!check.feed(r.message) || !check.complete()) return fail(1007, "invalid utf-8"), false;
        return handler.on_text(r.message);
    }
    return handler.on_binary(r.message);
}

bool frame_parser::on_control(std::string_view payload, frame_handler& handler) {
    if (frame_op_ == op_ping) return handler.on_ping(payload);
    if (frame_op_ == op_pong) return handler.on_pong(payload);

    // Close (RFC 6455 5.5.1): empty, or a 2-byte code and a UTF-8 reason. Parsing stops here
    // either way: nothing may follow a close frame.
    if (payload.empty()) {
        closed_ = true;
        handler.on_close(std::nullopt, {});
        return false;
    }
    const auto code = static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                                 static_cast<std::uint8_t>(payload[1]));
    if (!valid_peer_close_code(code)) return fail(1002, "bad close code"), false;
    const auto reason = payload.substr(2);
    utf8_validator reason_utf8;
    if (!reason_utf8.feed(reason) || !reason_utf8.complete()) {
        return fail(1007, "invalid utf-8"), false;
    }
    closed_ = true;
    handler.on_close(code, reason);
    return false;
}

}  // namespace kata::protocol::ws
