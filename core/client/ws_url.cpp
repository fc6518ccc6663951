#include "core/client/ws_url.hpp"

#include <charconv>

namespace kata::client {

std::string ws_url::host_header() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    std::string out = ipv6 ? "[" + host + "]" : host;
    if (port != (tls ? "443" : "80")) out += ":" + port;
    return out;
}

namespace {

std::optional<ws_url> parse(std::string_view text, bool allow_tls) {
    ws_url url;
    constexpr std::string_view plain_scheme = "ws://";
    constexpr std::string_view tls_scheme = "wss://";
    if (text.starts_with(plain_scheme)) {
        text.remove_prefix(plain_scheme.size());
    } else if (allow_tls && text.starts_with(tls_scheme)) {
        text.remove_prefix(tls_scheme.size());
        url.tls = true;
        url.port = "443";
    } else {
        return std::nullopt;
    }
    if (text.find('#') != std::string_view::npos) return std::nullopt;

    const auto path_at = text.find_first_of("/?");
    auto authority = text.substr(0, path_at);
    if (path_at != std::string_view::npos) {
        url.target = std::string{text.substr(path_at)};
        if (url.target.front() == '?') url.target.insert(0, "/");
    }
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

    std::string_view port;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos || close == 1) return std::nullopt;
        url.host = std::string{authority.substr(1, close - 1)};
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
            if (port.empty()) return std::nullopt;
        }
    } else {
        const auto colon = authority.find(':');
        url.host = std::string{authority.substr(0, colon)};
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
        if (url.host.empty()) return std::nullopt;
    }
    if (!port.empty()) {
        unsigned value = 0;
        const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
        if (r.ec != std::errc{} || r.ptr != port.data() + port.size() || value == 0 ||
            value > 65535) {
            return std::nullopt;
        }
        url.port = std::to_string(value);
    }
    return url;
}

}  // namespace

std::optional<ws_url> parse_ws_url(std::string_view text) {
    return parse(text, false);
}

std::optional<ws_url> parse_client_url(std::string_view text) {
    return parse(text, true);
}

}  // namespace kata::client
