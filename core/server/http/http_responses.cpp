#include "core/server/http/http_responses.hpp"

#include <nlohmann/json.hpp>

namespace kata::server {

http_response json_response(const http_request& req, http::status status, std::string body) {
    http_response res{status, req.version()};
    res.set(http::field::server, "kata-rt");
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

std::string error_body(std::string_view code, std::string_view message) {
    nlohmann::json doc;
    doc["error"] = {{"code", code}, {"message", message}};
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http_response error_response(const http_request& req, http::status status, std::string_view code,
                             std::string_view message) {
    return json_response(req, status, error_body(code, message));
}

}  // namespace kata::server
