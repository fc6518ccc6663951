#include "core/server/http/dev_page.hpp"

#include "core/auth/credentials.hpp"
#include "core/server/http/http_responses.hpp"
#include "core/server/http/request_headers.hpp"

namespace kata::server {
namespace {

// The page loads only its own files and talks only to its own server.
constexpr std::string_view page_csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string_view path_of(const http_request& req) {
    std::string_view target(req.target().data(), req.target().size());
    return target.substr(0, target.find('?'));
}

const dev_asset* find_asset(std::string_view path) {
    for (const auto& asset : dev_assets()) {
        if (asset.path == path) return &asset;
    }
    return nullptr;
}

http_response asset_response(const http_request& req, const dev_asset& asset) {
    http_response res{http::status::ok, req.version()};
    res.set(http::field::server, "kata-rt");
    res.set(http::field::content_type, asset.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy", page_csp);
    res.keep_alive(req.keep_alive());
    if (req.method() != http::verb::head) res.body() = std::string{asset.body};
    res.prepare_payload();
    if (req.method() == http::verb::head) res.content_length(asset.body.size());
    return res;
}

// True when the request carries a session cookie the current directory accepts.
bool has_session(const http_request& req, const server_state& state) {
    const auto cookie = header(req, http::field::cookie);
    if (!cookie) return false;
    const auto token = auth::find_cookie(*cookie, state.config.session_cookie);
    if (!token || token->empty()) return false;
    try {
        return state.directory()->authenticate_session(*token).status == auth::lookup_status::found;
    } catch (...) {
        return false;  // a failing directory: offer the login, never crash the route
    }
}

http_response login(const http_request& req, const server_state& state) {
    http_response res{http::status::see_other, req.version()};
    res.set(http::field::server, "kata-rt");
    res.set(http::field::location, "/");
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::set_cookie, state.config.session_cookie + "=" +
                                         state.config.dev.session_token +
                                         "; Path=/; HttpOnly; SameSite=Strict");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

}  // namespace

std::optional<http_response> dev_page_route(const http_request& req, const server_state& state) {
    if (!state.config.dev.enabled) return std::nullopt;
    const auto path = path_of(req);
    const bool is_login = path == "/dev/login";
    const dev_asset* asset = nullptr;
    if (path == "/") {
        asset = find_asset(has_session(req, state) ? "/dev/index.html" : "/dev/login.html");
    } else if (!is_login) {
        asset = find_asset(path);
    }
    if (!is_login && !asset) return std::nullopt;
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        return error_response(req, http::status::method_not_allowed, "method_not_allowed",
                              "use GET");
    }
    if (is_login) return login(req, state);
    return asset_response(req, *asset);
}

}  // namespace kata::server
