#pragma once
#include "core/server/beast_types.hpp"
#include "core/server/server_state.hpp"

namespace kata::server {

// Serves one accepted TCP connection: HTTP/1.1 requests until it upgrades to a WebSocket
// (handed to upgrade_connection) or closes.
asio::awaitable<void> serve_http(tcp::socket socket, server_state& state);

// GET /v1/ws with Upgrade: authenticates during the upgrade (PROTOCOL.md "Auth on connect").
asio::awaitable<void> upgrade_connection(beast::tcp_stream stream, http_request req,
                                         server_state& state);

}  // namespace kata::server
