#pragma once
// Internal to reconnecting_client.cpp: one connection attempt's stream (plain, or TLS for wss://)
// and how an attempt ends. Kept apart so the client's file holds its behaviour only.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "core/client/ws_url.hpp"

namespace kata::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using strand_type = asio::strand<asio::io_context::executor_type>;
using boost::system::error_code;

// RFC 6455 reserves 1006 for "closed without a close frame": what a transport failure or a
// server_timeout is, seen from the client.
inline constexpr std::uint16_t abnormal_closure = 1006;

// RFC 6455 reserves 1015 for "the TLS handshake failed": a certificate that does not verify.
inline constexpr std::uint16_t tls_handshake_failed = 1015;

using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// One WebSocket connection (over TCP, or TLS for wss://) and its outbox. Beast allows one write
// in flight per stream, so commands queue here and a single drain coroutine writes them in order.
struct connection {
    connection(const strand_type& strand, asio::ssl::context* tls) {
        if (tls != nullptr) {
            secure.emplace(strand, *tls);
        } else {
            plain.emplace(strand);
        }
    }
    // Calls `f` with whichever stream this connection has.
    template <class F>
    decltype(auto) with_ws(F&& f) {
        return secure ? f(*secure) : f(*plain);
    }
    std::optional<plain_ws> plain;
    std::optional<tls_ws> secure;
    std::deque<std::string> outbox;
    bool writing = false;
    bool open = false;       // upgraded, and no close frame sent by us yet
    bool confirmed = false;  // the pong to our first ping came: the credential was accepted
};

// How one connection attempt ended.
struct connection_end {
    std::uint16_t code = abnormal_closure;
    std::string reason;
    bool terminal = false;  // retrying cannot help
};

inline connection_end closed_by_client() {
    return {1000, "closed by client", true};
}

// A refused upgrade, as a disconnect_info code: 4000 + status mirrors the server's close codes
// (HTTP 403 on a bad Origin and close 4403 mean the same thing). 4xx is the client's fault and
// is not retried, except 408 and 429, which ask to come back later.
connection_end refused_upgrade(const websocket::response_type& res);

// Asio's context around the shared client settings (client_tls.hpp), for wss:// only.
std::optional<asio::ssl::context> wss_context(const ws_url& url, const std::string& ca_file);

}  // namespace kata::client
