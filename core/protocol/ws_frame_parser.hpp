#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/protocol/utf8_validator.hpp"

namespace kata::protocol::deflate {
class inflater;
}

namespace kata::protocol::ws {

enum class opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

// What the parser found, one complete message or control frame at a time. Views point into the
// bytes given to feed() (unmasked in place) or into the parser's reassembly buffer; they are
// valid only during the call. Each returns false to stop parsing (the connection is closing).
class frame_handler {
  public:
    virtual ~frame_handler() = default;
    virtual bool on_text(std::string_view message) = 0;    // valid UTF-8, reassembled
    virtual bool on_binary(std::string_view message) = 0;  // reassembled
    virtual bool on_ping(std::string_view payload) = 0;    // at most 125 bytes
    virtual bool on_pong(std::string_view payload) = 0;    // at most 125 bytes
    // The peer's close frame: `code` is absent for an empty close body; `reason` is valid UTF-8.
    // The parser accepts nothing after it.
    virtual void on_close(std::optional<std::uint16_t> code, std::string_view reason) = 0;

    // permessage-deflate (parser_options::deflate): a compressed message is complete and about
    // to be inflated. False drops it uninflated (e.g. over the command rate limit); parsing
    // goes on.
    virtual bool admit_compressed() { return true; }
    // The inflater to use (shared by the connections of a thread: the view a compressed
    // message's on_text gets is valid only during that call).
    virtual deflate::inflater* inflater() { return nullptr; }
};

// Why the stream is refused: the close code to send (1002 protocol error, 1007 invalid UTF-8,
// 1009 too big) and a short ASCII reason for the close frame.
struct protocol_error {
    std::uint16_t close_code;
    const char* reason;
};

struct feed_result {
    std::size_t consumed = 0;             // bytes used; less than given only after a stop
    std::optional<protocol_error> error;  // set once; the parser then refuses everything
};

struct parser_options {
    std::size_t max_message_bytes = 16384;  // a reassembled message above this: 1009
    bool server_role = true;                // true: client frames must be masked (RFC 6455 5.1);
                                            // false: server frames must not be
    // permessage-deflate was negotiated: RSV1 on a message's first frame marks it compressed
    // (RFC 7692 6). Its inflated size is bounded by max_message_bytes too.
    bool deflate = false;
};

// RFC 6455 frame parser, incremental over any chunking. Pure: no I/O, no clock. Holds only the
// bytes of an incomplete frame and of an unfinished fragmented message; an idle parser owns no
// heap memory (release_memory() gives back what a large message left).
class frame_parser {
  public:
    explicit frame_parser(parser_options options = {});

    // Parses `bytes` (unmasking them in place) and calls `handler` for each complete message or
    // control frame, in order.
    feed_result feed(std::span<char> bytes, frame_handler& handler);

    // permessage-deflate was negotiated after the parser was made (parser_options::deflate).
    void enable_deflate() { options_.deflate = true; }

    bool failed() const { return failed_; }
    bool closed() const { return closed_; }  // a close frame was received
    // True while bytes of an incomplete frame or fragmented message are held.
    bool holds_partial() const;
    void release_memory();

  private:
    // Implementation state: header bytes of a frame not yet complete, the frame being read, the
    // message being reassembled and the UTF-8 state across its fragments.
    enum class header_status { need_more, ok, error };
    header_status parse_header(const char* h, std::size_t size, std::size_t& header_bytes);
    // One piece of the current frame's payload (already unmasked; `ascii`: known to be all
    // ASCII); false to stop feeding.
    bool on_payload(char* data, std::size_t size, bool ascii, frame_handler& handler);
    bool on_control(std::string_view payload, frame_handler& handler);
    bool deliver_compressed(std::uint8_t op, std::string_view message, frame_handler& handler);
    void fail(std::uint16_t close_code, const char* reason);

    parser_options options_;
    std::string pending_;  // bytes of an incomplete frame header or control frame payload
    std::string message_;  // fragments of the current message
    utf8_validator utf8_;
    // Opcode of the message being reassembled (0: none), ORed with message_compressed when its
    // first frame had RSV1: one byte rather than two keeps the parser, which every connection
    // holds, at 120 bytes.
    std::uint8_t message_op_ = 0;
    static constexpr std::uint8_t message_compressed = 0x80;
    bool failed_ = false;
    bool closed_ = false;
    // The frame being read, once its header is complete (in_frame_).
    bool in_frame_ = false;
    bool frame_fin_ = false;
    bool frame_masked_ = false;
    std::uint8_t frame_op_ = 0;
    std::uint8_t mask_phase_ = 0;         // mask index of the next payload byte
    std::array<std::uint8_t, 4> mask_{};  // the frame's masking key, if frame_masked_
    std::uint64_t frame_left_ = 0;        // payload bytes of the frame still to come
    protocol_error error_{};              // what failed_ refuses with
};

// Whether a close code received from a peer is acceptable (RFC 6455 7.4 and the IANA registry:
// 1000-1003, 1007-1014, 3000-4999); anything else is answered with 1002.
bool valid_peer_close_code(std::uint16_t code);

}  // namespace kata::protocol::ws
