#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace kata::load {

// An endpoint: `ws://` or `http://`, or `wss://` or `https://` (TLS, port 443 by default).
struct endpoint_url {
    std::string scheme;  // "ws", "http", "wss" or "https"
    std::string host;    // without brackets for IPv6
    std::uint16_t port = 80;
    std::string target = "/";  // path and query

    // host:port as the Host header wants it.
    std::string host_header() const;
    bool tls() const { return scheme == "wss" || scheme == "https"; }
    std::string str() const;
};

// Parses `SCHEME://HOST[:PORT][/PATH]`; an error message naming the URL otherwise.
std::variant<endpoint_url, std::string> parse_url(std::string_view text);

// The publish API on the same server as a WebSocket URL: ws://h:p/... -> http://h:p/v1/publish,
// wss://h:p/... -> https://h:p/v1/publish.
endpoint_url publish_url_for(const endpoint_url& ws);

}  // namespace kata::load
