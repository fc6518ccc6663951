#pragma once
// A plain POSIX TCP connection for HTTP tests that need the bytes exactly as sent and received:
// pipelined requests, headers a library would not write, answers a library would hide (100
// Continue, a HEAD answer followed by another). Every read has a deadline.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kata::e2e {

class raw_http {
  public:
    // Connects to 127.0.0.1:port; connected() says whether it worked.
    explicit raw_http(std::uint16_t port);
    ~raw_http();
    raw_http(const raw_http&) = delete;
    raw_http& operator=(const raw_http&) = delete;

    bool connected() const { return fd_ >= 0; }
    bool send(std::string_view bytes);
    // Reads until `text` has been received; false on EOF or deadline.
    bool read_until(std::string_view text, std::chrono::milliseconds timeout);
    // Reads until the server closes the connection; false on deadline.
    bool read_to_eof(std::chrono::milliseconds timeout);
    const std::string& received() const { return in_; }

  private:
    bool fill(std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    bool eof_ = false;
    std::string in_;
};

// One HTTP response cut out of a byte stream.
struct raw_response {
    int status = 0;
    std::string head;  // status line and headers, without the blank line
    std::string body;
};

// Splits `bytes` into responses, given which of them answer a HEAD (no body follows those).
// Bodies are delimited by Content-Length only, which is all this server writes. A response that
// does not start where the previous one ended gets status 0 and stops the split.
std::vector<raw_response> split_responses(std::string_view bytes,
                                          const std::vector<bool>& head_only = {});

// A header's value in a response head, "" when absent (name matched case-insensitively).
std::string header_value(const std::string& head, std::string_view name);

}  // namespace kata::e2e
