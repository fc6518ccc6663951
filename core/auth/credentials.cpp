#include "core/auth/credentials.hpp"
#include "core/protocol/comma_list.hpp"

namespace kata::auth {
namespace {

// Optional whitespace (OWS) of RFC 7230 and the spaces RFC 6265 tolerates around cookie pairs.
bool is_space(char c) {
    return c == ' ' || c == '\t';
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

}  // namespace

std::optional<std::string> parse_bearer(std::string_view authorization) {
    const auto value = protocol::trim_ows(authorization);
    constexpr std::string_view scheme = "bearer";
    if (value.size() <= scheme.size() || !iequals(value.substr(0, scheme.size()), scheme) ||
        !is_space(value[scheme.size()])) {
        return std::nullopt;
    }
    const auto token = protocol::trim_ows(value.substr(scheme.size()));
    // A token with inner whitespace is not a single bearer token (RFC 6750 b64token).
    if (token.empty()) return std::nullopt;
    for (char c : token) {
        if (is_space(c)) return std::nullopt;
    }
    return std::string{token};
}

std::optional<std::string> find_cookie(std::string_view cookie_header, std::string_view name) {
    if (name.empty()) return std::nullopt;
    while (!cookie_header.empty()) {
        const auto semi = cookie_header.find(';');
        const auto pair = protocol::trim_ows(cookie_header.substr(0, semi));
        cookie_header =
            semi == std::string_view::npos ? std::string_view{} : cookie_header.substr(semi + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;  // not a name=value pair: skip, never fail
        if (protocol::trim_ows(pair.substr(0, eq)) != name) continue;
        auto value = protocol::trim_ows(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        return std::string{value};
    }
    return std::nullopt;
}

credential extract_credential(const auth_headers& headers, std::string_view cookie_name) {
    // Either key header disables cookies, so a browser's ambient session can never stand in for
    // a key the request meant to send. A non-Bearer Authorization (say Basic, added by a proxy)
    // defers to X-API-Key; without one it is an empty key, which no entry matches.
    if (headers.authorization || headers.x_api_key) {
        if (headers.authorization) {
            if (auto token = parse_bearer(*headers.authorization)) {
                return {credential_kind::api_key, std::move(*token)};
            }
        }
        if (headers.x_api_key) {
            return {credential_kind::api_key, std::string{protocol::trim_ows(*headers.x_api_key)}};
        }
        return {credential_kind::api_key, {}};
    }
    if (headers.cookie) {
        if (auto token = find_cookie(*headers.cookie, cookie_name); token && !token->empty()) {
            return {credential_kind::session, std::move(*token)};
        }
    }
    return {};
}

}  // namespace kata::auth
