#include "load/client_handshake.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "core/config/version.hpp"
#include "core/protocol/comma_list.hpp"
#include "core/protocol/deflate/negotiation.hpp"
#include "core/protocol/ws_handshake.hpp"

namespace kata::load {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Whether a comma-separated header value lists `token` (case-insensitive), as `Connection` may
// carry several ("keep-alive, Upgrade").
bool lists_token(std::string_view value, std::string_view token) {
    return protocol::for_each_list_item(
        value, [&](std::string_view item) { return iequals(item, token); });
}

}  // namespace

std::string websocket_key(const std::array<std::uint8_t, 16>& nonce) {
    unsigned char out[25] = {};  // 4 * ceil(16 / 3) characters and the NUL EVP_EncodeBlock adds
    const int n = EVP_EncodeBlock(out, nonce.data(), static_cast<int>(nonce.size()));
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

std::string upgrade_request(const endpoint_url& url, std::string_view api_key, std::string_view key,
                            bool deflate) {
    std::string req;
    req.reserve(256 + api_key.size());
    req.append("GET ").append(url.target).append(" HTTP/1.1\r\nHost: ");
    req.append(url.host_header()).append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
    req.append("Sec-WebSocket-Key: ").append(key).append("\r\nSec-WebSocket-Version: 13\r\n");
    req.append("Sec-WebSocket-Protocol: ").append(load_subprotocol).append("\r\n");
    if (deflate) {
        req.append("Sec-WebSocket-Extensions: ")
            .append(protocol::deflate::client_offer)
            .append("\r\n");
    }
    req.append("Authorization: Bearer ").append(api_key).append("\r\n");
    req.append("User-Agent: ").append(config::user_agent("loadtest")).append("\r\n\r\n");
    return req;
}

std::string check_upgrade_response(std::string_view head, std::string_view key, bool* deflate) {
    if (deflate) *deflate = false;
    auto line_end = head.find("\r\n");
    if (line_end == std::string_view::npos) return "no HTTP status line";
    const std::string_view status_line = head.substr(0, line_end);
    // "HTTP/1.1 101 Switching Protocols"
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
        return "not an HTTP response: " + std::string(status_line.substr(0, 80));
    }
    const std::string_view code = status_line.substr(9, 3);
    if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return "not an HTTP response: " + std::string(status_line.substr(0, 80));
    }
    if (code != "101") return "HTTP " + std::string(protocol::trim_ows(status_line.substr(9, 80)));

    bool upgrade = false, connection = false;
    std::string_view accept;
    std::string_view rest = head.substr(line_end + 2);
    while (!rest.empty()) {
        line_end = rest.find("\r\n");
        const std::string_view line = rest.substr(0, line_end);
        rest.remove_prefix(line_end == std::string_view::npos ? rest.size() : line_end + 2);
        if (line.empty()) break;  // the blank line ending the head
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return "malformed header line in the 101 response";
        const std::string_view name = protocol::trim_ows(line.substr(0, colon));
        const std::string_view value = protocol::trim_ows(line.substr(colon + 1));
        if (iequals(name, "Upgrade")) {
            upgrade = iequals(value, "websocket");
        } else if (iequals(name, "Connection")) {
            connection = lists_token(value, "upgrade");
        } else if (iequals(name, "Sec-WebSocket-Accept")) {
            accept = value;
        } else if (iequals(name, "Sec-WebSocket-Extensions") && !value.empty()) {
            // Only what we offered may be in force (RFC 6455 4.1, point 5 of the checks), with
            // parameters we can honour (RFC 7692 5).
            const auto answer = protocol::deflate::check_response(value);
            if (!deflate || !answer.ok || (answer.deflate && *deflate)) {
                return "the server selected an extension we did not offer: " + std::string(value);
            }
            *deflate = answer.deflate;
        } else if (iequals(name, "Sec-WebSocket-Protocol") && value != load_subprotocol) {
            return "the server selected a subprotocol we did not offer: " + std::string(value);
        }
    }
    if (!upgrade) return "101 without Upgrade: websocket";
    if (!connection) return "101 without Connection: upgrade";
    if (accept.empty()) return "101 without Sec-WebSocket-Accept";
    if (accept != protocol::ws::accept_key(key)) return "wrong Sec-WebSocket-Accept";
    return "";
}

}  // namespace kata::load
