#include "core/server/http/request_framing.hpp"

#include <boost/beast/core/string.hpp>
#include <string_view>

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
        std::string_view rest(it->value().data(), it->value().size());
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            auto coding = rest.substr(0, comma);
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            const auto first = coding.find_first_not_of(" \t");
            if (first == std::string_view::npos) continue;
            coding = coding.substr(first, coding.find_last_not_of(" \t") - first + 1);
            ++codings_seen;
            only_chunked = only_chunked && beast::iequals(coding, "chunked");
        }
    }
    if (codings_seen != 1 || !only_chunked) return "Transfer-Encoding must be exactly \"chunked\"";
    return std::nullopt;
}

}  // namespace kata::server
