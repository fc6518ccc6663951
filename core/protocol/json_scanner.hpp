#pragma once
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace kata::protocol {

// Why a JSON text was refused.
enum class json_fault { none, syntax, too_deep, duplicate_key };

// A strict RFC 8259 reader that lets a gateway forward a JSON value exactly as it was written.
// A JSON DOM (nlohmann) re-serializes: keys come out sorted, 123456789012345678901234567890
// becomes 1.2345678901234568e+29 and "\u00e9" becomes "é". copy_value() instead validates a value
// and copies its bytes, dropping only the whitespace outside strings, so every digit, key order
// and escape survives. It is also stricter than nlohmann where that matters for a gateway: a NUL
// byte does not end the text, and an object with the same key twice (which receivers resolve
// differently: first wins, last wins) is a fault. Nesting is bounded and recursion stops there.
//
// Usage: read a value with copy_value(), or walk objects and arrays member by member with
// begin_object()/next_member() and begin_array()/next_element(); then require at_end(). Any false
// return with fault() != none means the text is refused, whatever was read so far.
class json_scanner {
  public:
    // `max_depth`: deepest nesting of arrays/objects accepted; the top-level value is depth 1.
    json_scanner(std::string_view text, std::size_t max_depth) : text_(text), max_(max_depth) {}

    // Skips whitespace; the next byte, or '\0' when the text is exhausted.
    char peek();
    // True when nothing but whitespace is left.
    bool at_end();

    // Validates the value at the cursor and appends its text without insignificant whitespace to
    // *out (nullptr: validate only). `depth`: how many arrays/objects enclose the value.
    bool copy_value(std::string* out, std::size_t depth);
    // Reads the string at the cursor into `out`, escapes decoded.
    bool read_string(std::string& out);

    // Member-by-member reading, for the few objects whose fields a parser needs. begin_object()
    // consumes '{' of an object at nesting `depth` + 1. next_member() reads `"key":` and leaves the
    // cursor on the value, which the caller must consume (copy_value or read_string); it returns
    // false at the closing '}' (consumed) or on a fault. Duplicate keys are faults.
    bool begin_object(std::size_t depth);
    bool next_member(std::string& key);
    // The same for arrays: next_element() leaves the cursor on the next element.
    bool begin_array(std::size_t depth);
    bool next_element();

    json_fault fault() const { return fault_; }
    // The repeated key, decoded, when fault() is duplicate_key.
    const std::string& duplicate_key() const { return duplicate_; }

  private:
    enum class step { item, end, fault };
    struct frame {
        std::size_t first_key;  // index into keys_ of this object's first key
        bool first = true;
        bool object = true;
    };

    bool fail(json_fault why);
    void skip_ws();
    bool enter(std::size_t depth, bool object);
    step next(std::string_view* raw_key);  // raw_key: the key's text with its quotes
    bool close_object();
    bool scan_string();  // cursor on '"'; leaves it after the closing quote
    bool scan_number();
    bool scan_literal(std::string_view word);
    bool scan_escape();  // cursor on '\\'

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t max_;
    json_fault fault_ = json_fault::none;
    std::string duplicate_;
    std::vector<frame> frames_;
    // Keys of every open object, for the duplicate check: views into text_, or into decoded_ for
    // the rare key written with escapes (deque: its strings never move).
    std::vector<std::string_view> keys_;
    std::deque<std::string> decoded_;
};

// Decodes the escapes of a string's inner text that scan_string accepted.
void json_unescape(std::string_view inner, std::string& out);

}  // namespace kata::protocol
