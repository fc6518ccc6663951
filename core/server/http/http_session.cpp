#include "core/server/http/http_session.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <tuple>

#include "core/server/http/dev_page.hpp"
#include "core/server/http/disconnect_route.hpp"
#include "core/server/http/http_responses.hpp"
#include "core/server/http/ops_routes.hpp"
#include "core/server/http/publish_route.hpp"
#include "core/server/http/request_framing.hpp"
#include "core/server/http/request_headers.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ops/remote_address.hpp"
#include "core/server/tls/tls_stream.hpp"
#include "core/server/ws/worker.hpp"

namespace kata::server {
namespace {

// Bounds on what a client may make the server hold before a request is complete.
constexpr std::size_t max_header_bytes = 16 * 1024;
constexpr std::chrono::seconds request_deadline{10};

std::string_view path_of(const http_request& req) {
    std::string_view target(req.target().data(), req.target().size());
    return target.substr(0, target.find('?'));
}

http_response route(const http_request& req, server_state& state) {
    if (auto dev = dev_page_route(req, state)) return std::move(*dev);  // dev mode only
    const auto path = path_of(req);
    // /healthz, /readyz, /metrics: here unless admin_listen moves them to their own listener.
    if (!state.config.admin_listen) {
        if (auto res = ops_route(req, state)) return std::move(*res);
    }
    if (path == "/v1/publish") {
        if (req.method() != http::verb::post) {
            return error_response(req, http::status::method_not_allowed, "method_not_allowed",
                                  "use POST");
        }
        return handle_publish(req, state);
    }
    if (path == "/v1/ws") {
        return error_response(req, http::status::upgrade_required, "upgrade_required",
                              "this endpoint speaks WebSocket only");
    }
    return error_response(req, http::status::not_found, "not_found", "no such endpoint");
}

// HEAD answers carry the headers GET would send (Content-Length included) and no body: a body
// after a HEAD answer would be read as the start of the next response on a kept-alive connection.
template <class Stream>
asio::awaitable<beast::error_code> write_response(Stream& stream, http_response& res,
                                                  bool head_only) {
    beast::error_code ec;
    if (head_only) {
        http::response_serializer<http::string_body> serializer(res);
        std::tie(ec, std::ignore) =
            co_await http::async_write_header(stream, serializer, use_tuple);
    } else {
        std::tie(ec, std::ignore) = co_await http::async_write(stream, res, use_tuple);
    }
    co_return ec;
}

// An error answered before the request was read whole: the rest of it may still be on the wire,
// so the connection cannot carry another request and is closed after the answer.
http_response closing_error(unsigned version, http::status status, std::string_view code,
                            std::string_view message) {
    http_request head;
    head.version(version);
    auto res = error_response(head, status, code, message);
    res.keep_alive(false);
    return res;
}

bool expects_continue(const http_request& head) {
    const auto expect = head.find(http::field::expect);
    // HTTP/1.0 clients do not know 100 Continue (RFC 9110 §10.1.1).
    return head.version() >= 11 && expect != head.end() &&
           beast::iequals(expect->value(), "100-continue");
}

// What the headers alone already refuse, or nullopt: ambiguous body framing, repeated credential
// headers on an upgrade or a publish, and (only when the client waits for 100 Continue, so no
// body is in flight) a publish without a valid key.
std::optional<http_response> refuse_by_headers(const http_request& head, bool body_pending,
                                               server_state& state) {
    if (auto problem = framing_problem(head)) {
        return closing_error(head.version(), http::status::bad_request, "bad_request", *problem);
    }
    const auto path = path_of(head);
    const bool publish = path == "/v1/publish" && head.method() == http::verb::post;
    if (publish || path == disconnect_path || (path == "/v1/ws" && websocket::is_upgrade(head))) {
        if (const auto name = repeated_credential_header(head)) {
            return closing_error(head.version(), http::status::bad_request, "bad_request",
                                 "the " + std::string(*name) + " header appears more than once");
        }
    }
    // An HTTP directory answers later: its key check waits for the body like the rest.
    if (publish && body_pending && expects_continue(head) && !state.directory()->async()) {
        if (auto refusal = refuse_publisher(head, state)) {
            refusal->keep_alive(false);
            return refusal;
        }
    }
    return std::nullopt;
}

// Answers a failed read of a request (header or body) when there is someone to answer.
std::optional<http_response> read_failure_response(beast::error_code ec, unsigned version) {
    // A request too broken to parse is answered in HTTP/1.1; one over the body limit in its own
    // version.
    if (ec == http::error::body_limit) {
        return closing_error(version, http::status::payload_too_large, "payload_too_large",
                             "request body is larger than 8388608 bytes");
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
        const bool too_big = ec == http::error::header_limit;
        return closing_error(
            11, too_big ? http::status::request_header_fields_too_large : http::status::bad_request,
            too_big ? "headers_too_large" : "bad_request", ec.message());
    }
    return std::nullopt;  // closed or timed out: nobody to answer
}

// The access log of the publish API (debug): what was asked and answered, never a header value.
void log_access(const http_request& req, const http_response& res, const std::string& remote,
                std::chrono::steady_clock::time_point started) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    log(log_level::debug, "http request",
        {{"method", std::string(req.method_string())},
         {"path", path_of(req)},
         {"status", res.result_int()},
         {"request_bytes", req.body().size()},
         {"response_bytes", res.body().size()},
         {"duration_us", static_cast<std::uint64_t>(micros.count())},
         {"remote", remote}});
}

// HTTP/1.1 requests on `stream` (plain or TLS) until it upgrades or closes.
template <class Stream>
asio::awaitable<void> serve_requests(Stream& stream, worker& w) {
    auto& state = w.state();
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(max_header_bytes);
        parser.body_limit(max_publish_body_bytes);
        stream.expires_after(request_deadline);
        // The header first, so that a request can be refused (or told to go on, Expect:
        // 100-continue) before its body is read.
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        if (!ec) {
            if (auto refusal = refuse_by_headers(parser.get(), !parser.is_done(), state)) {
                co_await write_response(stream, *refusal,
                                        parser.get().method() == http::verb::head);
                break;
            }
            if (!parser.is_done()) {
                if (expects_continue(parser.get())) {
                    http::response<http::empty_body> go_on{http::status::continue_, 11};
                    std::tie(ec, n) = co_await http::async_write(stream, go_on, use_tuple);
                    if (ec) break;
                }
                std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, use_tuple);
            }
        }
        if (ec) {
            if (auto res = read_failure_response(ec, parser.get().version())) {
                co_await write_response(stream, *res, false);
            }
            break;
        }
        auto req = parser.release();
        if (websocket::is_upgrade(req) && path_of(req) == "/v1/ws") {
            // A client may send its first frames right behind the request.
            const auto rest = buffer.cdata();
            std::string early(static_cast<const char*>(rest.data()), rest.size());
            co_await upgrade_connection(std::move(stream), std::move(req), std::move(early), w);
            co_return;
        }
        const auto started = std::chrono::steady_clock::now();
        http_response res;
        if (path_of(req) == "/v1/publish" && req.method() == http::verb::post &&
            (state.directory()->async() != nullptr || state.hub.remote() != nullptr)) {
            // An async directory or a remote broker is awaited here, so this connection alone
            // waits for it.
            res = co_await handle_publish_async(req, w, state.directory());
        } else if (path_of(req) == disconnect_path && !state.config.admin_listen) {
            // With admin_listen the server API is served there only.
            res = co_await handle_disconnect(req, state, w.mailbox());
        } else {
            res = route(req, state);
        }
        if (state.stopping.load()) res.keep_alive(false);
        if ((path_of(req) == "/v1/publish" || path_of(req) == disconnect_path) &&
            log_enabled(log_level::debug)) {
            log_access(req, res, remote_address(stream.socket()), started);
        }
        ec = co_await write_response(stream, res, req.method() == http::verb::head);
        if (ec || !res.keep_alive()) break;
    }
    if constexpr (std::is_same_v<Stream, tls_stream>) stream.transport().close_notify();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

asio::awaitable<void> serve_http(tcp::socket socket, worker& w) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve_requests(stream, w);
}

asio::awaitable<void> serve_https(tcp::socket socket, std::shared_ptr<ssl_ctx_st> ctx, worker& w,
                                  std::shared_ptr<handshake_slots::ticket> slot) {
    tls_stream stream(std::move(socket), ctx.get());
    ctx.reset();  // the session holds its own reference: a reload may free the old context
    stream.expires_after(request_deadline);
    // Cut for a newer handshake (past limits.max_tls_handshakes): maybe before this ran at all.
    slot->on_cut([&stream] { stream.expire_now(); });
    if (slot->was_cut()) stream.expire_now();
    auto [ec, n] = co_await stream.async_handshake(use_tuple);
    const bool cut = slot->was_cut();
    slot.reset();  // done: the slot is the next handshake's
    if (ec) {
        // Scanners, plain HTTP sent to this port, old clients (TLS 1.1): not worth more than debug.
        if (log_enabled(log_level::debug)) {
            const std::string reason = cut ? "cut: limits.max_tls_handshakes are in progress"
                                       : ec == beast::error::timeout ? "timed out"
                                                                     : stream.transport().error();
            log(log_level::debug, "tls handshake failed",
                {{"reason", reason}, {"remote", remote_address(stream.socket())}});
        }
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
    }
    co_await serve_requests(stream, w);
}

}  // namespace kata::server
