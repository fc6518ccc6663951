#pragma once
#include <openssl/types.h>

#include <memory>
#include <string>

#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/server_state.hpp"
#include "core/server/tls/handshake_slots.hpp"

namespace kata::server {

class worker;
class tls_stream;

// Serves one accepted TCP connection on its worker: HTTP/1.1 requests until it upgrades to a
// WebSocket (handed to upgrade_connection) or closes.
asio::awaitable<void> serve_http(tcp::socket socket, worker& w);
// The same over TLS with `ctx`: the handshake first (within the first request's deadline),
// holding `slot` until it ends.
asio::awaitable<void> serve_https(tcp::socket socket, std::shared_ptr<ssl_ctx_st> ctx, worker& w,
                                  std::shared_ptr<handshake_slots::ticket> slot);

// GET /v1/ws with Upgrade: authenticates during the upgrade (docs/protocol.md "Auth on connect"),
// then hands the socket to a ws_connection of `w`. `early` holds bytes read past the request.
asio::awaitable<void> upgrade_connection(beast::tcp_stream stream, http_request req,
                                         std::string early, worker& w);
asio::awaitable<void> upgrade_connection(tls_stream stream, http_request req, std::string early,
                                         worker& w);

}  // namespace kata::server
