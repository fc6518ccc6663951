#pragma once
#include <cstddef>
#include <string>
#include <string_view>

struct libdeflate_decompressor;

namespace kata::protocol::deflate {

// Inflates one permessage-deflate message (RFC 7692 7.2.2) into a buffer it owns, never past a
// bound: a message that would inflate further is refused as soon as the bound is reached, so a
// small frame that claims gigabytes costs at most `max_bytes` of output. Each message stands
// alone (client_no_context_takeover is always negotiated), so one inflater serves every
// connection of a thread. Its memory is taken on first use.
class inflater {
  public:
    enum class status { ok, too_big, invalid };
    struct result {
        status st;
        std::string_view message;  // valid until the next inflate()
    };

    inflater() = default;
    ~inflater();
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;

    // `compressed`: the message's payload as received (its frames' payloads, concatenated).
    result inflate(std::string_view compressed, std::size_t max_bytes);

  private:
    libdeflate_decompressor* d_ = nullptr;
    std::string input_;   // the payload with the tail that ends the stream
    std::string output_;  // max_bytes + 1, so "exactly max_bytes" and "more" differ
};

}  // namespace kata::protocol::deflate
