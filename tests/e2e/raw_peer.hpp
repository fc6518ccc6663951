#pragma once
// A WebSocket peer on a plain POSIX socket that answers nothing by itself: it never replies to a
// ping or a close, so it can play a frozen client or a consumer that stopped reading.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace kata::e2e {

class raw_peer {
  public:
    ~raw_peer();
    // Opens the socket (with SO_RCVBUF = receive_buffer when non-zero) and upgrades with
    // `Authorization: Bearer key`. False when anything but 101 came back.
    bool connect(std::uint16_t port, const std::string& key, int receive_buffer = 0);
    // As connect, with extra request headers and bytes sent in the same write as the request.
    bool connect_with(std::uint16_t port, const std::string& key, const std::string& extra_headers,
                      const std::string& trailing);
    // The status line and headers of the upgrade answer.
    const std::string& response_head() const { return head_; }
    void send_text(const std::string& text);
    // Bytes exactly as given: hand-built frames, fragments, bad frames. False once the socket
    // refuses them (the server closed it).
    bool send_raw(const std::string& bytes);
    // The payload of the next text frame, or nullopt after `timeout` or at a close. With
    // `compressed`, tells whether the frame had RSV1 (permessage-deflate); its payload is then
    // returned as received.
    std::optional<std::string> next_text(std::chrono::milliseconds timeout,
                                         bool* compressed = nullptr);

    struct outcome {
        bool ended = false;   // the server closed the TCP connection or sent a close frame
        int close_code = 0;   // from the close frame, 0 when none arrived
        int text_frames = 0;  // text frames read on the way
    };
    // Reads (without answering) until a close frame or EOF, at most `timeout`.
    outcome read_until_close(std::chrono::milliseconds timeout);
    // Reads until a text frame (text_frames = 1), a close frame or EOF, at most `timeout`.
    outcome read_text_or_close(std::chrono::milliseconds timeout);
    // Reads until one text frame has arrived; false on timeout.
    bool read_one_text(std::chrono::milliseconds timeout);

  private:
    bool fill(std::chrono::steady_clock::time_point deadline);
    outcome read_frames(std::chrono::milliseconds timeout, bool stop_at_text);
    int fd_ = -1;
    std::string in_;
    std::string head_;
};

}  // namespace kata::e2e
