#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kata::client {

// The parts of a ws:// or wss:// URL the client needs to connect and send the upgrade request.
struct ws_url {
    std::string host;          // name or address; IPv6 without the brackets
    std::string port = "80";   // decimal text, as the resolver wants it
    std::string target = "/";  // path and query of the upgrade request
    bool tls = false;          // wss://: TLS, the certificate verified for `host`
    bool operator==(const ws_url&) const = default;

    // The Host header value: host[:port], brackets restored for IPv6, the scheme's default port
    // left out.
    std::string host_header() const;
};

// Parses ws://host[:port][/path][?query] only (plain text); anything with userinfo or a
// fragment, which a WebSocket URL may not carry, is refused too.
std::optional<ws_url> parse_ws_url(std::string_view text);

// Parses ws:// as above or wss://host[:port][/path][?query] (port 443 by default): what the
// client connects to.
std::optional<ws_url> parse_client_url(std::string_view text);

}  // namespace kata::client
