#include "core/server/http/admin_listener.hpp"

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "core/server/http/disconnect_route.hpp"
#include "core/server/http/http_responses.hpp"
#include "core/server/http/ops_routes.hpp"
#include "core/server/http/request_headers.hpp"
#include "core/server/ws/worker.hpp"

namespace kata::server {
namespace {

// Scrapers send small GETs: anything bigger is not for us.
constexpr std::size_t max_header_bytes = 16 * 1024;
constexpr std::size_t max_body_bytes = 4 * 1024;
constexpr std::chrono::seconds request_deadline{10};

asio::awaitable<void> serve_admin(tcp::socket socket, server_state& state,
                                  std::shared_ptr<worker_mailbox> mailbox) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(max_header_bytes);
        parser.body_limit(max_body_bytes);
        stream.expires_after(request_deadline);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (ec) break;
        const auto req = parser.release();
        std::string_view target(req.target().data(), req.target().size());
        std::optional<http_response> res;
        if (target.substr(0, target.find('?')) == disconnect_path) {
            if (const auto name = repeated_credential_header(req)) {
                res =
                    error_response(req, http::status::bad_request, "bad_request",
                                   "the " + std::string(*name) + " header appears more than once");
            } else {
                res = co_await handle_disconnect(req, state, mailbox);
            }
        } else {
            res = ops_route(req, state);
        }
        if (!res) {
            res = error_response(
                req, http::status::not_found, "not_found",
                "the admin listener serves /healthz, /readyz, /metrics and /v1/disconnect");
        }
        std::tie(ec, n) = co_await http::async_write(stream, *res, use_tuple);
        if (ec || !res->keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_admin(tcp::acceptor& acceptor, server_state& state,
                                   std::shared_ptr<worker_mailbox> mailbox) {
    for (;;) {
        auto [ec, socket] =
            co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()), use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) continue;  // e.g. a peer that reset before accept: keep serving the others
        const auto ex = socket.get_executor();
        asio::co_spawn(ex, serve_admin(std::move(socket), state, mailbox), asio::detached);
    }
}

}  // namespace

admin_listener::admin_listener(worker& w, const std::pair<std::string, std::uint16_t>& address)
    : acceptor_(asio::make_strand(w.context())) {
    beast::error_code ec;
    const auto& host = address.first;
    const auto ip = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) {
        throw std::system_error(ec,
                                "admin_listen host must be an IP address or localhost: " + host);
    }
    const tcp::endpoint endpoint{ip, address.second};
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(acceptor_.get_executor(), accept_admin(acceptor_, w.state(), w.mailbox()),
                   asio::detached);
}

void admin_listener::close() {
    std::promise<void> closed;
    asio::post(acceptor_.get_executor(), [this, &closed] {
        beast::error_code ignored;
        acceptor_.close(ignored);
        closed.set_value();
    });
    closed.get_future().wait();
}

}  // namespace kata::server
