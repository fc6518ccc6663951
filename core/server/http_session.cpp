#include "core/server/http_session.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/server/http_responses.hpp"
#include "core/server/log.hpp"
#include "core/server/ops_routes.hpp"
#include "core/server/publish_route.hpp"
#include "core/server/remote_address.hpp"

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

}  // namespace

asio::awaitable<void> serve_http(tcp::socket socket, server_state& state) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(max_header_bytes);
        parser.body_limit(max_publish_body_bytes);
        stream.expires_after(request_deadline);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (ec == http::error::body_limit) {
            http_request head;
            head.version(parser.get().version());
            auto res = error_response(head, http::status::payload_too_large, "payload_too_large",
                                      "request body is larger than 8388608 bytes");
            res.keep_alive(false);
            co_await http::async_write(stream, res, use_tuple);
            break;
        }
        if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
            http_request head{};
            const bool too_big = ec == http::error::header_limit;
            auto res = error_response(
                head,
                too_big ? http::status::request_header_fields_too_large : http::status::bad_request,
                too_big ? "headers_too_large" : "bad_request", ec.message());
            res.keep_alive(false);
            co_await http::async_write(stream, res, use_tuple);
            break;
        }
        if (ec) break;  // closed or timed out: nobody to answer
        auto req = parser.release();
        if (websocket::is_upgrade(req) && path_of(req) == "/v1/ws") {
            // This frame outlives the whole WebSocket connection: give its read buffer back.
            buffer.consume(buffer.size());
            buffer.shrink_to_fit();
            co_await upgrade_connection(std::move(stream), std::move(req), state);
            co_return;
        }
        const auto started = std::chrono::steady_clock::now();
        auto res = route(req, state);
        if (state.stopping.load()) res.keep_alive(false);
        if (path_of(req) == "/v1/publish" && log_enabled(log_level::debug)) {
            log_access(req, res, remote_address(stream.socket()), started);
        }
        std::tie(ec, n) = co_await http::async_write(stream, res, use_tuple);
        if (ec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace kata::server
