#pragma once
#include <chrono>
#include <cstddef>
#include <string>

#include "core/client/backoff.hpp"

namespace kata::client {

// Settings of a reconnecting_client. Durations are std::chrono values (so the unit is in the type);
// every default is the one docs/protocol.md names.
struct client_options {
    // ws://host[:port]/path or wss://host[:port]/path of the gateway's WebSocket endpoint.
    std::string url = "ws://127.0.0.1:8080/v1/ws";
    // wss:// only: PEM file of the CA(s) the server's certificate must chain to; empty means the
    // system's trust store. The host name (or IP address) of `url` must match the certificate.
    // A certificate that fails verification ends the client (disconnected, code 1015).
    std::string ca_file;

    // API key, sent as `Authorization: Bearer <key>`. When non-empty the session fields are unused.
    std::string api_key;
    // Session token, sent as the cookie `<cookie_name>=<session_token>`; requires `origin`.
    std::string session_token;
    // Name of the session cookie; must match the server's `session_cookie` setting.
    std::string cookie_name = "kata_session";
    // Origin header (scheme://host[:port]), required on the session path; sent when non-empty.
    std::string origin;

    // Smallest delay before a reconnect attempt, and the base of its exponential growth. 500 ms.
    std::chrono::milliseconds min_delay{500};
    // Largest delay before a reconnect attempt. 30 s.
    std::chrono::milliseconds max_delay{30000};
    // A connection that stayed up this long resets the backoff attempt counter. 5 s.
    std::chrono::milliseconds min_uptime{5000};
    // No frame from the server for this long and the connection is treated as dead. 45 s, i.e.
    // 2 × the server's default 20 s heartbeat + 5 s. The client pings after half of it so a live
    // but quiet server answers with a pong.
    std::chrono::milliseconds server_timeout{45000};
    // Bound on resolve + TCP connect + WebSocket upgrade, and on the closing handshake. 10 s.
    std::chrono::milliseconds handshake_timeout{10000};

    // Largest server frame accepted, in bytes; a bigger one fails the connection. 1 MiB.
    // With compression it bounds the inflated message.
    std::size_t max_message_bytes = 1024 * 1024;
    // Offer permessage-deflate (RFC 7692); a server that accepts it sends large events
    // compressed. On by default.
    bool deflate = true;
    // How many eventIds are remembered per channel to drop replayed duplicates. 1024.
    std::size_t dedupe_window = 1024;

    // Source of U(0,1) draws for the backoff jitter; empty means a random_device-seeded engine.
    // Tests inject a fixed sequence here.
    backoff::random_source random;
};

}  // namespace kata::client
