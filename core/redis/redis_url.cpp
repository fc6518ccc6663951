#include "core/redis/redis_url.hpp"

#include <charconv>

namespace kata::redis {
namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
    if (text.empty()) return false;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

}  // namespace

std::string redis_url::address() const {
    // A bare IPv6 address needs its brackets back to be read unambiguously.
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::variant<redis_url, std::string> parse_redis_url(std::string_view text) {
    constexpr std::string_view scheme = "redis://";
    if (text.substr(0, scheme.size()) != scheme)
        return std::string("redis URL must start with redis:// (TLS, rediss://, is not supported)");
    text.remove_prefix(scheme.size());

    redis_url url;
    // The password may contain '@' or '/': the credentials end at the last '@' before the path.
    const auto slash = text.find('/');
    auto authority = text.substr(0, slash);
    const auto path = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        const auto colon = userinfo.find(':');
        if (colon == std::string_view::npos)
            return std::string("redis URL: credentials must be [user]:password@");
        url.user = std::string(userinfo.substr(0, colon));
        url.password = std::string(userinfo.substr(colon + 1));
        if (url.password.empty()) return std::string("redis URL: the password is empty");
    }

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::string("redis URL: unclosed '[' in host");
        url.host = std::string(authority.substr(1, close - 1));
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::string("redis URL: unexpected text after ']'");
            port_text = rest.substr(1);
            if (port_text.empty()) return std::string("redis URL: empty port");
        }
    } else {
        const auto colon = authority.find(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return std::string("redis URL: empty port");
        }
    }
    if (url.host.empty()) return std::string("redis URL: missing host");
    if (!port_text.empty()) {
        unsigned port = 0;
        if (!parse_number(port_text, port) || port == 0 || port > 65535)
            return std::string("redis URL: port must be a number 1-65535");
        url.port = static_cast<std::uint16_t>(port);
    }
    if (!path.empty()) {
        if (!parse_number(path, url.db))
            return std::string(
                "redis URL: db must be a non-negative number (redis://host:port/db)");
    }
    return url;
}

}  // namespace kata::redis
