#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "load/url.hpp"

namespace kata::load {

// The client side of the WebSocket opening handshake (RFC 6455 4.1), written and checked by hand
// so the load client reads frames with our own codec on a plain socket instead of Beast's stream.

// The subprotocol the load client offers (and the only one a server may select).
inline constexpr std::string_view load_subprotocol = "kata-rt.v1";

// Sec-WebSocket-Key for a 16-byte nonce: its base64 (24 characters).
std::string websocket_key(const std::array<std::uint8_t, 16>& nonce);

// The upgrade request: GET `url.target` with Host, the key, `Authorization: Bearer api_key` and
// the kata-rt.v1 subprotocol; with `deflate`, permessage-deflate is offered (no context takeover
// either way), else no extension.
std::string upgrade_request(const endpoint_url& url, std::string_view api_key, std::string_view key,
                            bool deflate = false);

// Checks the server's answer to the upgrade: `head` is the status line and headers, up to and
// including the blank line. "" when it is a 101 with `Upgrade: websocket`, a `Connection` that
// includes `upgrade`, the Sec-WebSocket-Accept that `key` calls for, no extension but the
// permessage-deflate we may have offered (`deflate` non-null: offered, and set to whether the
// server accepted) and no subprotocol other than ours; otherwise why not (e.g. "HTTP 401
// Unauthorized").
std::string check_upgrade_response(std::string_view head, std::string_view key,
                                   bool* deflate = nullptr);

}  // namespace kata::load
