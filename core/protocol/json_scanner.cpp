#include "core/protocol/json_scanner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace kata::protocol {
namespace {

bool is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// The four hex digits at `at` as a number, or -1.
long hex4(std::string_view text, std::size_t at) {
    if (at + 4 > text.size()) return -1;
    long value = 0;
    for (std::size_t i = at; i < at + 4; ++i) {
        const char c = text[i];
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

bool is_high_surrogate(long code) {
    return code >= 0xD800 && code <= 0xDBFF;
}

bool is_low_surrogate(long code) {
    return code >= 0xDC00 && code <= 0xDFFF;
}

// Length of the well-formed UTF-8 sequence starting at `at` (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF), or 0. Receivers decode JSON as UTF-8 and may choke on
// anything else, so the gateway refuses it rather than forwarding it.
std::size_t utf8_length(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) {
        return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0u;
    };
    const auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    const unsigned lead = byte(0);
    if (in(lead, 0xC2, 0xDF)) return in(byte(1), 0x80, 0xBF) ? 2 : 0;
    if (in(lead, 0xE0, 0xEF)) {
        const unsigned lo = lead == 0xE0 ? 0xA0 : 0x80;
        const unsigned hi = lead == 0xED ? 0x9F : 0xBF;
        return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
    }
    if (in(lead, 0xF0, 0xF4)) {
        const unsigned lo = lead == 0xF0 ? 0x90 : 0x80;
        const unsigned hi = lead == 0xF4 ? 0x8F : 0xBF;
        return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
}

void append_utf8(std::string& out, unsigned long code) {
    if (code < 0x80) {
        out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
}

}  // namespace

void json_unescape(std::string_view inner, std::string& out) {
    out.clear();
    out.reserve(inner.size());
    for (std::size_t i = 0; i < inner.size(); ++i) {
        const char c = inner[i];
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        const char e = inner[++i];
        switch (e) {
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u': {
                unsigned long code = static_cast<unsigned long>(hex4(inner, i + 1));
                i += 4;  // on the last hex digit
                if (is_high_surrogate(static_cast<long>(code))) {
                    // scan_string checked that "\uDC00".."\uDFFF" follows
                    const auto low = static_cast<unsigned long>(hex4(inner, i + 3));
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                }
                append_utf8(out, code);
                break;
            }
            default:
                out.push_back(e);
                break;  // '"', '\\', '/'
        }
    }
}

bool json_scanner::fail(json_fault why) {
    if (fault_ == json_fault::none) fault_ = why;
    return false;
}

void json_scanner::skip_ws() {
    while (pos_ < text_.size() && is_ws(text_[pos_]))
        ++pos_;
}

char json_scanner::peek() {
    skip_ws();
    return pos_ < text_.size() ? text_[pos_] : '\0';
}

bool json_scanner::at_end() {
    skip_ws();
    return pos_ == text_.size();
}

bool json_scanner::enter(std::size_t depth, bool object) {
    if (fault_ != json_fault::none) return false;
    if (peek() != (object ? '{' : '[')) return fail(json_fault::syntax);
    if (depth + 1 > max_) return fail(json_fault::too_deep);
    ++pos_;
    frames_.push_back(frame{keys_.size(), true, object});
    return true;
}

bool json_scanner::begin_object(std::size_t depth) {
    return enter(depth, true);
}

bool json_scanner::begin_array(std::size_t depth) {
    return enter(depth, false);
}

json_scanner::step json_scanner::next(std::string_view* raw_key) {
    if (fault_ != json_fault::none || frames_.empty()) return step::fault;
    auto& f = frames_.back();
    const char close = f.object ? '}' : ']';
    const char c = peek();
    if (c == close) {
        ++pos_;
        if (f.object) return close_object() ? step::end : step::fault;
        frames_.pop_back();
        return step::end;
    }
    if (!f.first) {
        if (c != ',') return fail(json_fault::syntax), step::fault;
        ++pos_;
    }
    f.first = false;
    if (!f.object) return step::item;

    if (peek() != '"') return fail(json_fault::syntax), step::fault;
    const std::size_t start = pos_;
    if (!scan_string()) return step::fault;
    const auto raw = text_.substr(start, pos_ - start);
    const auto inner = raw.substr(1, raw.size() - 2);
    if (inner.find('\\') == std::string_view::npos) {
        keys_.push_back(inner);
    } else {
        json_unescape(inner, decoded_.emplace_back());
        keys_.push_back(decoded_.back());
    }
    if (peek() != ':') return fail(json_fault::syntax), step::fault;
    ++pos_;
    if (raw_key != nullptr) *raw_key = raw;
    return step::item;
}

bool json_scanner::next_member(std::string& key) {
    if (next(nullptr) != step::item) return false;
    key.assign(keys_.back());
    return true;
}

bool json_scanner::next_element() {
    return next(nullptr) == step::item;
}

// The duplicate check runs when an object closes: pairwise for the usual handful of keys, sorted
// for big objects so a body of many keys costs n log n, not n².
bool json_scanner::close_object() {
    const auto first = keys_.begin() + static_cast<std::ptrdiff_t>(frames_.back().first_key);
    const auto last = keys_.end();
    auto dup = last;
    if (last - first <= 16) {
        for (auto i = first; i != last && dup == last; ++i) {
            if (std::find(i + 1, last, *i) != last) dup = i;
        }
    } else {
        std::sort(first, last);
        dup = std::adjacent_find(first, last);
    }
    if (dup != last) {
        duplicate_.assign(*dup);
        return fail(json_fault::duplicate_key);
    }
    keys_.erase(first, last);
    frames_.pop_back();
    if (frames_.empty()) decoded_.clear();
    return true;
}

bool json_scanner::copy_value(std::string* out, std::size_t depth) {
    if (fault_ != json_fault::none) return false;
    const char c = peek();
    const std::size_t start = pos_;
    bool ok = false;
    switch (c) {
        case '{':
        case '[': {
            const bool object = c == '{';
            if (!enter(depth, object)) return false;
            if (out != nullptr) out->push_back(c);
            for (bool first = true;; first = false) {
                std::string_view raw_key;
                const auto s = next(object ? &raw_key : nullptr);
                if (s == step::fault) return false;
                if (s == step::end) {
                    if (out != nullptr) out->push_back(object ? '}' : ']');
                    return true;
                }
                if (out != nullptr) {
                    if (!first) out->push_back(',');
                    if (object) {
                        out->append(raw_key);
                        out->push_back(':');
                    }
                }
                if (!copy_value(out, depth + 1)) return false;
            }
        }
        case '"':
            ok = scan_string();
            break;
        case 't':
            ok = scan_literal("true");
            break;
        case 'f':
            ok = scan_literal("false");
            break;
        case 'n':
            ok = scan_literal("null");
            break;
        default:
            ok = (c == '-' || is_digit(c)) ? scan_number() : fail(json_fault::syntax);
            break;
    }
    if (!ok) return false;
    if (out != nullptr) out->append(text_.substr(start, pos_ - start));
    return true;
}

bool json_scanner::read_string(std::string& out) {
    if (fault_ != json_fault::none) return false;
    if (peek() != '"') return fail(json_fault::syntax);
    const std::size_t start = pos_;
    if (!scan_string()) return false;
    const auto inner = text_.substr(start + 1, pos_ - start - 2);
    if (inner.find('\\') == std::string_view::npos) {
        out.assign(inner);
    } else {
        json_unescape(inner, out);
    }
    return true;
}

bool json_scanner::scan_string() {
    ++pos_;  // the opening quote
    while (pos_ < text_.size()) {
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"') {
            ++pos_;
            return true;
        }
        if (c == '\\') {
            if (!scan_escape()) return false;
        } else if (c < 0x20) {
            return fail(json_fault::syntax);  // control characters must be escaped
        } else if (c < 0x80) {
            ++pos_;
        } else {
            const std::size_t n = utf8_length(text_, pos_);
            if (n == 0) return fail(json_fault::syntax);
            pos_ += n;
        }
    }
    return fail(json_fault::syntax);
}

// Lone surrogates are refused: they decode to no character, and strict receivers refuse them.
bool json_scanner::scan_escape() {
    if (pos_ + 1 >= text_.size()) return fail(json_fault::syntax);
    switch (text_[pos_ + 1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            pos_ += 2;
            return true;
        case 'u':
            break;
        default:
            return fail(json_fault::syntax);
    }
    const long code = hex4(text_, pos_ + 2);
    if (code < 0 || is_low_surrogate(code)) return fail(json_fault::syntax);
    pos_ += 6;
    if (!is_high_surrogate(code)) return true;
    if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
        return fail(json_fault::syntax);
    }
    if (!is_low_surrogate(hex4(text_, pos_ + 2))) return fail(json_fault::syntax);
    pos_ += 6;
    return true;
}

bool json_scanner::scan_number() {
    const auto digit_at = [&](std::size_t i) { return i < text_.size() && is_digit(text_[i]); };
    const std::size_t start = pos_;
    bool exponent = false;
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
        ++pos_;
    } else if (digit_at(pos_)) {
        while (digit_at(pos_))
            ++pos_;
    } else {
        return fail(json_fault::syntax);
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        if (!digit_at(pos_)) return fail(json_fault::syntax);
        while (digit_at(pos_))
            ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
        exponent = true;
        ++pos_;
        if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
        if (!digit_at(pos_)) return fail(json_fault::syntax);
        while (digit_at(pos_))
            ++pos_;
    }
    // A number past the range of a double (1e400) is valid grammar but reads as infinity or not
    // at all (nlohmann refuses it, as the server did before): refused, so every receiver can read
    // what it is given. Only a long number or one with an exponent can be that big.
    if (exponent || pos_ - start > 300) {
        const std::string copy(text_.substr(start, pos_ - start));
        if (std::isinf(std::strtod(copy.c_str(), nullptr))) return fail(json_fault::syntax);
    }
    return true;
}

bool json_scanner::scan_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return fail(json_fault::syntax);
    pos_ += word.size();
    return true;
}

}  // namespace kata::protocol
