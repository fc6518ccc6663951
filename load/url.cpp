#include "load/url.hpp"

#include <charconv>

namespace kata::load {

std::string endpoint_url::host_header() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string endpoint_url::str() const {
    return scheme + "://" + host_header() + target;
}

std::variant<endpoint_url, std::string> parse_url(std::string_view text) {
    const std::string quoted = "URL '" + std::string(text) + "': ";
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) return quoted + "expected SCHEME://HOST[:PORT][/PATH]";
    endpoint_url url;
    url.scheme = std::string(text.substr(0, sep));
    if (url.scheme != "ws" && url.scheme != "http" && !url.tls()) {
        return quoted + "the scheme must be ws://, wss://, http:// or https://";
    }
    if (url.tls()) url.port = 443;
    std::string_view rest = text.substr(sep + 3);
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    std::string_view port_text;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return quoted + "unterminated IPv6 address";
        url.host = std::string(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(':')) return quoted + "expected ':' after the IPv6 address";
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (url.host.empty()) return quoted + "missing host";
    if (!port_text.empty() || authority.ends_with(':')) {
        unsigned port = 0;
        const auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
            port > 65535) {
            return quoted + "the port must be 1..65535";
        }
        url.port = static_cast<std::uint16_t>(port);
    }
    return url;
}

endpoint_url publish_url_for(const endpoint_url& ws) {
    endpoint_url url = ws;
    url.scheme = ws.tls() ? "https" : "http";
    url.target = "/v1/publish";
    return url;
}

}  // namespace kata::load
