#pragma once
#include <optional>
#include <string_view>

#include "core/auth/credentials.hpp"
#include "core/server/beast_types.hpp"

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

inline auth::auth_headers auth_headers_of(const http_request& req) {
    return {header(req, http::field::authorization), header(req, "X-API-Key"),
            header(req, http::field::cookie)};
}

}  // namespace kata::server
