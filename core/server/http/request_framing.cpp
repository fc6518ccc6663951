#include "core/server/http/request_framing.hpp"

#include <boost/beast/core/string.hpp>
#include <string_view>

#include "core/protocol/comma_list.hpp"

namespace kata::server {
std::optional<std::string> framing_problem(const http_request& head) {
    const auto codings = head.equal_range(http::field::transfer_encoding);
    if (codings.first == codings.second) return std::nullopt;
    if (head.count(http::field::content_length) > 0) {
        return "a request may not carry both Transfer-Encoding and Content-Length";
    }
    if (head.version() < 11) return "Transfer-Encoding is not allowed in HTTP/1.0";
    // Every Transfer-Encoding line counts: the codings form one comma-separated list across
    // them (empty elements allowed, RFC 9110 §5.6.1). It must hold `chunked` and nothing else.
    std::size_t codings_seen = 0;
    bool only_chunked = true;
    for (auto it = codings.first; it != codings.second; ++it) {
        const std::string_view list(it->value().data(), it->value().size());
        protocol::for_each_list_item(list, [&](std::string_view coding) {
            ++codings_seen;
            only_chunked = only_chunked && beast::iequals(coding, "chunked");
            return false;
        });
    }
    if (codings_seen != 1 || !only_chunked) return "Transfer-Encoding must be exactly \"chunked\"";
    return std::nullopt;
}

}  // namespace kata::server
