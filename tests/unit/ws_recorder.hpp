#pragma once
// Test helpers for the frame parser: a handler that records every call, and drivers that feed
// one byte stream whole, byte by byte or in given chunk sizes, so tests compare outcomes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/ws_frame_parser.hpp"

namespace kata::protocol::ws::testing {

struct ws_event {
    std::string kind;  // text, binary, ping, pong, close
    std::string payload;
    std::optional<std::uint16_t> code;  // close only
    bool operator==(const ws_event&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const ws_event& e) {
    os << e.kind << "(" << e.payload.size() << " bytes";
    if (e.code) os << ", code " << *e.code;
    return os << ")";
}

class recorder : public frame_handler {
  public:
    std::vector<ws_event> events;
    // Returns false (stop) from the call that records the stop_after-th event.
    std::size_t stop_after = std::numeric_limits<std::size_t>::max();

    bool on_text(std::string_view m) override { return add("text", m); }
    bool on_binary(std::string_view m) override { return add("binary", m); }
    bool on_ping(std::string_view p) override { return add("ping", p); }
    bool on_pong(std::string_view p) override { return add("pong", p); }
    void on_close(std::optional<std::uint16_t> code, std::string_view reason) override {
        events.push_back({"close", std::string(reason), code});
    }

  private:
    bool add(const char* kind, std::string_view payload) {
        events.push_back({kind, std::string(payload), std::nullopt});
        return events.size() < stop_after;
    }
};

struct outcome {
    std::vector<ws_event> events;
    std::optional<std::uint16_t> error_code;
    std::string error_reason;
    std::size_t consumed = 0;  // compared only when neither failed: where a refused stream
                               // stops depends on how much of the bad frame was held before
    bool operator==(const outcome& o) const {
        return events == o.events && error_code == o.error_code && error_reason == o.error_reason &&
               (error_code || consumed == o.consumed);
    }
};

// Feeds `stream` in pieces of the given sizes (cycled; the last piece takes what is left) until
// the parser fails, stops or runs out of bytes.
inline outcome parse_chunked(std::string stream, const std::vector<std::size_t>& sizes,
                             parser_options options = {}) {
    frame_parser parser(options);
    recorder rec;
    outcome out;
    std::size_t pos = 0;
    std::size_t i = 0;
    while (pos < stream.size()) {
        std::size_t n = sizes.empty() ? stream.size() : sizes[i++ % sizes.size()];
        n = std::min(std::max<std::size_t>(n, 1), stream.size() - pos);
        const auto result = parser.feed(std::span<char>(stream.data() + pos, n), rec);
        out.consumed += result.consumed;
        pos += n;
        if (result.error) {
            out.error_code = result.error->close_code;
            out.error_reason = result.error->reason;
            break;
        }
        if (result.consumed < n) break;
    }
    out.events = std::move(rec.events);
    return out;
}

inline outcome parse_whole(std::string stream, parser_options options = {}) {
    return parse_chunked(std::move(stream), {}, options);
}

inline outcome parse_bytewise(std::string stream, parser_options options = {}) {
    return parse_chunked(std::move(stream), {1}, options);
}

inline ws_event text(std::string_view s) {
    return {"text", std::string(s), std::nullopt};
}
inline ws_event binary(std::string_view s) {
    return {"binary", std::string(s), std::nullopt};
}
inline ws_event ping(std::string_view s) {
    return {"ping", std::string(s), std::nullopt};
}
inline ws_event pong(std::string_view s) {
    return {"pong", std::string(s), std::nullopt};
}
inline ws_event close_event(std::optional<std::uint16_t> code, std::string_view reason = {}) {
    return {"close", std::string(reason), code};
}

}  // namespace kata::protocol::ws::testing
