// The upgrade: credentials are checked before any WebSocket connection exists, so a connection
// never lives without a principal. The handshake is ours (RFC 6455 4.2): Beast parsed the
// request, we answer 101 and hand the bare socket to a ws_connection on this worker.
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>

#include "core/auth/async_directory.hpp"
#include "core/auth/connect_auth.hpp"
#include "core/protocol/deflate/negotiation.hpp"
#include "core/protocol/ws_frame_parser.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "core/protocol/ws_handshake.hpp"
#include "core/server/http/http_responses.hpp"
#include "core/server/http/http_session.hpp"
#include "core/server/http/request_headers.hpp"
#include "core/server/ops/connection_accounting.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ops/remote_address.hpp"
#include "core/server/tls/tls_stream.hpp"
#include "core/server/ws/await_lookup.hpp"
#include "core/server/ws/tls_ws_connection.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {
namespace {

constexpr std::string_view subprotocol = "kata-rt.v1";

bool offers_subprotocol(const http_request& req) {
    const auto offered = header(req, http::field::sec_websocket_protocol);
    if (!offered) return false;
    std::string_view rest = *offered;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        auto item = rest.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (item == subprotocol) return true;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return false;
}

// permessage-deflate, when the config allows it and the client offers it well-formed (RFC 7692:
// other extensions are declined by not naming them).
protocol::deflate::negotiated negotiate_deflate(const http_request& req, bool enabled) {
    if (!enabled) return {};
    std::vector<std::string_view> offers;
    const auto [first, last] = req.equal_range(http::field::sec_websocket_extensions);
    for (auto it = first; it != last; ++it)
        offers.emplace_back(it->value().data(), it->value().size());
    return protocol::deflate::negotiate(offers);
}

// The 101 answer; `extensions`: the negotiated Sec-WebSocket-Extensions value, if any.
std::string switching_protocols(const http_request& req, std::string_view extensions = {}) {
    std::string out =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Server: kata-rt\r\nSec-WebSocket-Accept: ";
    out += protocol::ws::accept_key(*header(req, http::field::sec_websocket_key));
    out += "\r\n";
    if (offers_subprotocol(req)) {
        out += "Sec-WebSocket-Protocol: ";
        out += subprotocol;
        out += "\r\n";
    }
    if (!extensions.empty()) {
        out += "Sec-WebSocket-Extensions: ";
        out += extensions;
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

// A handshake we cannot complete, answered like every other HTTP error: status and JSON body.
std::optional<http_response> handshake_error(const http_request& req) {
    const auto version = header(req, http::field::sec_websocket_version);
    if (!version || *version != "13") {
        auto res = error_response(req, http::status::upgrade_required, "unsupported_version",
                                  "Sec-WebSocket-Version must be 13");
        res.set(http::field::sec_websocket_version, "13");
        return res;
    }
    const auto key = header(req, http::field::sec_websocket_key);
    if (!key || !protocol::ws::valid_client_key(*key)) {
        return error_response(req, http::status::bad_request, "bad_handshake",
                              "Sec-WebSocket-Key must be base64 of 16 bytes");
    }
    return std::nullopt;
}

// Reads until the peer's close frame or EOF; everything else is ignored.
class close_waiter final : public protocol::ws::frame_handler {
  public:
    bool done = false;
    bool on_text(std::string_view) override { return true; }
    bool on_binary(std::string_view) override { return true; }
    bool on_ping(std::string_view) override { return true; }
    bool on_pong(std::string_view) override { return true; }
    void on_close(std::optional<std::uint16_t>, std::string_view) override { done = true; }
};

// Completes the upgrade only to close at once with `code`: browsers cannot read an HTTP status
// of a failed upgrade, but they can read a close code. The close handshake gets the same grace
// as every other close.
template <class Stream>
asio::awaitable<void> refuse_after_upgrade(Stream& stream, const http_request& req,
                                           std::uint16_t code, std::string_view reason) {
    std::string out = switching_protocols(req);
    const auto close = protocol::ws::server_frame(protocol::ws::opcode::close,
                                                  protocol::ws::close_body(code, reason));
    out.append(close.bytes());
    stream.expires_after(close_grace);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), use_tuple);
    protocol::ws::frame_parser parser;
    close_waiter waiter;
    char buf[512];
    while (!ec && !waiter.done && !parser.failed()) {
        std::tie(ec, n) = co_await stream.async_read_some(asio::buffer(buf), use_tuple);
        if (!ec) parser.feed({buf, n}, waiter);
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

// Not a coroutine, so the directory it consults is not kept alive by every open connection's
// frame after a reload replaces it.
auth::connect_decision decide(const http_request& req, const server_state& state) {
    const auto dir = state.directory();
    const auth::connect_policy policy{state.config.session_cookie, &state.config.allowed_origins};
    return auth::decide_connect(auth_headers_of(req), header(req, http::field::origin), policy,
                                *dir);
}

// The connect decision from a directory that answers later (the HTTP one): Origin and the
// credential's presence first, then the backend is asked by digest while this coroutine waits;
// the worker keeps serving its other connections meanwhile.
asio::awaitable<auth::connect_decision> decide_async(const http_request& req, worker& w,
                                                     std::shared_ptr<const auth::directory> dir) {
    const auto& state = w.state();
    const auth::connect_policy policy{state.config.session_cookie, &state.config.allowed_origins};
    auto pre =
        auth::precheck_connect(auth_headers_of(req), header(req, http::field::origin), policy);
    if (pre.decided) co_return *pre.decided;
    const auth::async_directory& a = *dir->async();
    auto found =
        co_await await_lookup<auth::principal>(w, [&](auth::lookup_callback<auth::principal> done) {
            a.authenticate_digest(pre.kind, pre.digest, std::move(done));
        });
    co_return auth::finish_connect(pre, std::move(found));
}

// The upgrade over a plain or a TLS stream; the connection it makes takes the stream's transport.
template <class Stream>
asio::awaitable<void> upgrade(Stream stream, http_request req, std::string early, worker& w) {
    auto& state = w.state();
    // Read before the directory is: a reload from here on is noticed below.
    const auto generation = state.directory_generation();
    auth::connect_decision decision;
    if (auto dir = state.directory(); dir->async() != nullptr) {
        // An invalid handshake costs the backend nothing: it is refused before the lookup.
        if (!handshake_error(req)) {
            decision = co_await decide_async(req, w, std::move(dir));
        } else {
            decision = auth::finish_connect(
                auth::precheck_connect(
                    auth_headers_of(req), header(req, http::field::origin),
                    {state.config.session_cookie, &state.config.allowed_origins}),
                {});
            // Only its reject_http matters below: the handshake error is answered next.
        }
    } else {
        decision = decide(req, state);
    }
    using outcome = auth::connect_decision::outcome;
    if (decision.result == outcome::reject_http) {
        state.counters.connections_refused.fetch_add(1);
        account_refusal(state, 403, remote_address(stream.socket()));
        auto res = error_response(req, http::status::forbidden, "origin_not_allowed",
                                  "Origin is missing or not in allowed_origins");
        res.keep_alive(false);
        co_await http::async_write(stream, res, use_tuple);
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
    }
    if (auto res = handshake_error(req)) {
        res->keep_alive(false);
        co_await http::async_write(stream, *res, use_tuple);
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
    }
    if (decision.result == outcome::accept && !state.try_reserve_connection()) {
        decision.result = outcome::close;
        decision.close_code = static_cast<std::uint16_t>(protocol::close_code::too_many);
        decision.reason = "too many connections";
    }
    if (decision.result == outcome::close) {
        state.counters.connections_refused.fetch_add(1);
        account_refusal(state, decision.close_code, remote_address(stream.socket()));
        co_await refuse_after_upgrade(stream, req, decision.close_code, decision.reason);
        co_return;
    }

    if (auto pause = state.get_upgrade_pause()) {
        co_await await_answer<bool>(w, [&](std::function<void(bool)> go_on) {
            pause([go_on = std::move(go_on)] { go_on(true); });
        });
    }
    const auto deflate = negotiate_deflate(req, state.config.compression.enabled);
    const std::string answer = switching_protocols(req, deflate.response);
    stream.expires_after(std::chrono::seconds(5));
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(answer), use_tuple);
    if (ec) {
        state.release_connection();
        co_return;
    }
    stream.expires_never();
    req = {};  // its headers are not needed for the connection's lifetime
    std::shared_ptr<ws_connection> conn;
    if constexpr (std::is_same_v<Stream, tls_stream>) {
        auto [socket, tls] = stream.release();
        conn = std::make_shared<tls_ws_connection>(std::move(socket), std::move(tls),
                                                   std::move(decision.who), decision.kind,
                                                   decision.digest, w);
    } else {
        conn = std::make_shared<ws_connection>(stream.release_socket(), std::move(decision.who),
                                               decision.kind, decision.digest, w);
    }
    if (deflate.accepted) conn->enable_deflate();
    w.adopt(conn);
    conn->start(early);
    // A stop or a reload whose pass over the worker's connections ran while this upgrade waited
    // (for its 101 to leave, for the directory) did not see this connection: it is closed or
    // re-checked here, as that pass would have done. Both are set before their pass is posted,
    // so one of the two always sees the connection.
    if (state.stopping.load()) {
        conn->begin_close(protocol::close_code::going_away, "server shutting down");
    } else if (state.directory_generation() != generation) {
        conn->recheck(*state.directory());
    }
}

}  // namespace

asio::awaitable<void> upgrade_connection(beast::tcp_stream stream, http_request req,
                                         std::string early, worker& w) {
    return upgrade(std::move(stream), std::move(req), std::move(early), w);
}

asio::awaitable<void> upgrade_connection(tls_stream stream, http_request req, std::string early,
                                         worker& w) {
    return upgrade(std::move(stream), std::move(req), std::move(early), w);
}

}  // namespace kata::server
