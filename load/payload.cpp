#include "load/payload.hpp"

#include <charconv>

#include "load/log_corpus.hpp"

namespace kata::load {
namespace {

// The string value of `"key":"..."` (no escapes: our channel names and types never need them).
std::string_view string_field(std::string_view text, std::string_view quoted_key) {
    auto at = text.find(quoted_key);
    if (at == std::string_view::npos) return {};
    at += quoted_key.size();
    while (at < text.size() && (text[at] == ' ' || text[at] == ':'))
        ++at;
    if (at >= text.size() || text[at] != '"') return {};
    const auto end = text.find('"', at + 1);
    if (end == std::string_view::npos) return {};
    return text.substr(at + 1, end - at - 1);
}

template <class Int>
bool number_field(std::string_view text, std::string_view quoted_key, Int& out) {
    auto at = text.find(quoted_key);
    if (at == std::string_view::npos) return false;
    at += quoted_key.size();
    while (at < text.size() && (text[at] == ' ' || text[at] == ':'))
        ++at;
    const auto [end, ec] = std::from_chars(text.data() + at, text.data() + text.size(), out);
    return ec == std::errc{} && end != text.data() + at;
}

}  // namespace

std::string make_payload(std::uint64_t seq, std::int64_t intended_unix_us, std::size_t bytes,
                         bool log_text) {
    std::string out = "{\"seq\":" + std::to_string(seq) +
                      ",\"t\":" + std::to_string(intended_unix_us) + ",\"pad\":\"";
    const std::size_t closing = 2;  // "}
    if (out.size() + closing < bytes) {
        const std::size_t n = bytes - out.size() - closing;
        if (log_text) {
            // One generator per thread, so consecutive events carry different lines.
            thread_local log_corpus corpus;
            out += corpus.text(n);
        } else {
            out.append(n, 'x');
        }
    }
    out += "\"}";
    return out;
}

std::optional<load_event> scan_load_event(std::string_view frame) {
    const auto payload_at = frame.find("\"payload\"");
    if (payload_at == std::string_view::npos) return std::nullopt;
    // Our payload has no "channel" key, so the first one in the frame is the envelope's,
    // wherever the server puts it.
    load_event ev;
    ev.channel = string_field(frame, "\"channel\"");
    if (ev.channel.empty()) return std::nullopt;
    const auto payload = frame.substr(payload_at);
    if (!number_field(payload, "\"seq\"", ev.seq)) return std::nullopt;
    if (!number_field(payload, "\"t\"", ev.intended_unix_us)) return std::nullopt;
    return ev;
}

std::string_view scan_type(std::string_view frame) {
    return string_field(frame, "\"type\"");
}

}  // namespace kata::load
