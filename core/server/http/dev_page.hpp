#pragma once
#include <optional>
#include <span>
#include <string_view>

#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/server_state.hpp"

namespace kata::server {

// One file of the dev page, compiled into the binary (nothing is read from disk at run time).
struct dev_asset {
    std::string_view path;          // the URL path it is served at
    std::string_view content_type;  // Content-Type header value
    std::string_view body;
};

// The dev page's files: web/dev/* and the client module web/client/index.js, turned into a
// generated source by CMake at build time (web/embed_assets.cmake).
std::span<const dev_asset> dev_assets();

// Dev mode only (config.dev.enabled): GET / (the live page with a session cookie, the login
// offer without), GET /dev/login (sets the HttpOnly, SameSite=Strict session cookie of the dev
// session and answers 303 to /) and the page's assets. nullopt for every other request, and for
// every request outside dev mode, so those paths fall through to 404.
std::optional<http_response> dev_page_route(const http_request& req, const server_state& state);

}  // namespace kata::server
