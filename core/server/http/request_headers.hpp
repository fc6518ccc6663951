#pragma once
#include <optional>
#include <string_view>

#include "core/auth/credentials.hpp"
#include "core/server/ops/beast_types.hpp"

namespace kata::server {

inline std::optional<std::string_view> header(const http_request& req, http::field name) {
    const auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
}

inline std::optional<std::string_view> header(const http_request& req, std::string_view name) {
    const auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
}

// The first credential-bearing header that appears more than once, or nullopt. With two Origin
// or two Cookie headers, a proxy, a browser and this server may each read a different one (the
// Origin check could pass on one while the cookie of another is used), so such a request is
// refused with 400 before any upgrade or publish instead of guessing.
inline std::optional<std::string_view> repeated_credential_header(const http_request& req) {
    for (const std::string_view name : {"Origin", "Cookie", "Authorization", "X-API-Key"}) {
        if (req.count(name) > 1) return name;
    }
    return std::nullopt;
}

inline auth::auth_headers auth_headers_of(const http_request& req) {
    return {header(req, http::field::authorization), header(req, "X-API-Key"),
            header(req, http::field::cookie)};
}

}  // namespace kata::server
