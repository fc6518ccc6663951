#pragma once
#include <cstdint>
#include <string_view>

namespace kata::protocol {

// Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF),
// so a text message can be checked fragment by fragment. ASCII runs take a word-at-a-time path.
class utf8_validator {
  public:
    // Validates the next piece; false once the input cannot be UTF-8, whatever follows.
    bool feed(std::string_view bytes);
    // True when the input so far ends on a character boundary.
    bool complete() const { return state_ == 0; }
    void reset() { state_ = 0; }

  private:
    std::uint32_t state_ = 0;
};

}  // namespace kata::protocol
