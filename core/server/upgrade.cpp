// The upgrade: credentials are checked before any WebSocket session exists, so a session never
// lives without a principal.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/auth/connect_auth.hpp"
#include "core/server/connection_accounting.hpp"
#include "core/server/http_responses.hpp"
#include "core/server/http_session.hpp"
#include "core/server/log.hpp"
#include "core/server/remote_address.hpp"
#include "core/server/request_headers.hpp"
#include "core/server/ws_session.hpp"

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

void configure(ws_stream& ws, bool select_subprotocol) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(5);    // also bounds the close handshake
    t.idle_timeout = websocket::stream_base::none();  // the session's watchdog owns liveness
    t.keep_alive_pings = false;
    ws.set_option(t);
    ws.set_option(
        websocket::stream_base::decorator([select_subprotocol](websocket::response_type& res) {
            res.set(http::field::server, "kata-rt");
            if (select_subprotocol) res.set(http::field::sec_websocket_protocol, subprotocol);
        }));
}

// Completes the upgrade only to close at once with `code`: browsers cannot read an HTTP status
// of a failed upgrade, but they can read a close code.
asio::awaitable<void> refuse_after_upgrade(ws_stream ws, const http_request& req,
                                           std::uint16_t code, const std::string& reason) {
    auto [ec] = co_await ws.async_accept(req, use_tuple);
    if (ec) co_return;
    beast::get_lowest_layer(ws).expires_never();
    websocket::close_reason why;
    why.code = code;
    why.reason = reason;
    std::tie(ec) = co_await ws.async_close(why, use_tuple);
    beast::flat_buffer sink;
    while (!ec)
        std::tie(ec, std::ignore) = co_await ws.async_read(sink, use_tuple);
}

// Not a coroutine, so the directory it consults is not kept alive by every open connection's
// frame after a reload replaces it.
auth::connect_decision decide(const http_request& req, const server_state& state) {
    const auto dir = state.directory();
    const auth::connect_policy policy{state.config.session_cookie, &state.config.allowed_origins};
    return auth::decide_connect(auth_headers_of(req), header(req, http::field::origin), policy,
                                *dir);
}

}  // namespace

asio::awaitable<void> upgrade_connection(beast::tcp_stream stream, http_request req,
                                         server_state& state) {
    auto decision = decide(req, state);
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
    if (decision.result == outcome::accept && !state.try_reserve_connection()) {
        decision.result = outcome::close;
        decision.close_code = static_cast<std::uint16_t>(protocol::close_code::too_many);
        decision.reason = "too many connections";
    }

    ws_stream ws(std::move(stream));
    configure(ws, offers_subprotocol(req));
    if (decision.result == outcome::close) {
        state.counters.connections_refused.fetch_add(1);
        account_refusal(state, decision.close_code, remote_address(ws.next_layer().socket()));
        co_await refuse_after_upgrade(std::move(ws), req, decision.close_code, decision.reason);
        co_return;
    }
    auto session = std::make_shared<ws_session>(std::move(ws), std::move(decision.who), state);
    co_await ws_session::run(std::move(session), std::move(req));
}

}  // namespace kata::server
