#pragma once
#include <string>
#include <string_view>

#include "core/server/ops/beast_types.hpp"

namespace kata::server {

// A JSON response that mirrors the request's HTTP version and keep-alive.
http_response json_response(const http_request& req, http::status status, std::string body);

// Every non-2xx answer: {"error":{"code":"...","message":"..."}}.
http_response error_response(const http_request& req, http::status status, std::string_view code,
                             std::string_view message);
std::string error_body(std::string_view code, std::string_view message);

}  // namespace kata::server
