// A load connection's bytes in and out: the plain socket, or its TLS session (wss://) driven
// with readiness waits on the same socket.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/errc.hpp>

#include "load/load_client.hpp"
#include "load/load_client_connection.hpp"

namespace kata::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

using tls_status = server::tls_transport::status;

// What a TLS failure reports: boost has no error code for "see the session's reason".
const error_code tls_error = make_error_code(boost::system::errc::protocol_error);

asio::awaitable<error_code> wait_for(asio::ip::tcp::socket& socket, tls_status st) {
    auto [ec] = co_await socket.async_wait(
        st == tls_status::want_read ? tcp::socket::wait_read : tcp::socket::wait_write, use_tuple);
    co_return ec;
}

}  // namespace

asio::awaitable<error_code> load_client::send_all(connection& conn, std::string_view data) {
    if (!conn.tls) {
        auto [ec, n] = co_await asio::async_write(conn.socket, asio::buffer(data), use_tuple);
        co_return ec;
    }
    while (!data.empty() || conn.tls->holds_output()) {
        iovec iov{const_cast<char*>(data.data()), data.size()};
        const auto r = conn.tls->write(&iov, data.empty() ? 0 : 1);
        data.remove_prefix(r.bytes);
        if (r.state == tls_status::ok) continue;
        if (r.state == tls_status::closed) co_return asio::error::eof;
        if (r.state == tls_status::failed) co_return tls_error;
        if (auto ec = co_await wait_for(conn.socket, r.state)) co_return ec;
    }
    co_return error_code{};
}

asio::awaitable<std::pair<error_code, std::size_t>> load_client::receive(connection& conn,
                                                                         std::span<char> into) {
    if (!conn.tls) {
        auto [ec, n] =
            co_await conn.socket.async_read_some(asio::buffer(into.data(), into.size()), use_tuple);
        co_return std::pair{ec, n};
    }
    for (;;) {
        const auto r = conn.tls->read(into);
        if (r.bytes > 0) co_return std::pair{error_code{}, r.bytes};
        if (r.state == tls_status::closed) co_return std::pair{error_code{asio::error::eof}, 0};
        if (r.state == tls_status::failed) co_return std::pair{tls_error, 0};
        if (auto ec = co_await wait_for(conn.socket, r.state)) co_return std::pair{ec, 0};
    }
}

asio::awaitable<std::string> load_client::tls_handshake(connection& conn) {
    error_code ignored;
    conn.socket.non_blocking(true, ignored);
    conn.tls = std::make_unique<server::tls_transport>(
        scenario_.tls.get(), conn.socket.native_handle(), scenario_.node_url(conn.node).host);
    for (;;) {
        const auto r = conn.tls->handshake();
        if (r.state == tls_status::ok) co_return std::string();
        if (r.state == tls_status::closed || r.state == tls_status::failed) {
            co_return "TLS: " + conn.tls->error();
        }
        if (auto ec = co_await wait_for(conn.socket, r.state)) co_return "TLS: " + ec.message();
    }
}

}  // namespace kata::load
