#pragma once
#include <optional>
#include <string>

#include "core/server/ops/beast_types.hpp"

namespace kata::server {

// Why the framing of a request's body is ambiguous, or nullopt when it is not.
//
// Request smuggling (RFC 9112 §6.1, §6.3): Beast decodes a body as chunked only when the final
// transfer coding is `chunked` and otherwise, with no Content-Length, reads an empty body. So
// `Transfer-Encoding: xchunked` or `chunked, identity` left the body on the stream, to be served
// as the next request, while a proxy in front may have framed it differently. Such a request is
// answered 400 and the connection closed: anything but exactly `chunked` (one coding), a
// Transfer-Encoding together with a Content-Length, or a Transfer-Encoding on HTTP/1.0.
std::optional<std::string> framing_problem(const http_request& head);

}  // namespace kata::server
