#include "tests/e2e/tcp_relay.hpp"

#include <algorithm>
#include <array>
#include <future>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace kata::e2e {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

struct tcp_relay::connection {
    explicit connection(asio::io_context& io, tcp::socket client)
        : down(std::move(client)), up(io) {}
    tcp::socket down;  // the relay's client
    tcp::socket up;    // towards the target
    bool closed = false;
};

tcp_relay::tcp_relay(std::uint16_t target_port)
    : target_(asio::ip::make_address("127.0.0.1"), target_port),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      port_(acceptor_.local_endpoint().port()),
      gate_(io_, asio::steady_timer::time_point::max()) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

tcp_relay::~tcp_relay() {
    io_.stop();
    thread_.join();
}

void tcp_relay::freeze() {
    run_sync(&tcp_relay::do_freeze);
}
void tcp_relay::cut() {
    run_sync(&tcp_relay::do_cut);
}
void tcp_relay::restore() {
    run_sync(&tcp_relay::do_restore);
}

void tcp_relay::run_sync(void (tcp_relay::*change)()) {
    std::promise<void> done;
    asio::post(io_, [&] {
        (this->*change)();
        done.set_value();
    });
    done.get_future().wait();
}

void tcp_relay::do_freeze() {
    frozen_ = true;
}

void tcp_relay::do_cut() {
    cut_ = true;
    ++generation_;
    auto doomed = std::move(connections_);
    connections_.clear();
    for (auto& conn : doomed)
        drop(conn);
    gate_.cancel();  // pumps held by a freeze see their connection closed and end
}

void tcp_relay::do_restore() {
    frozen_ = false;
    cut_ = false;
    gate_.cancel();  // frozen pumps wake up, see frozen_ == false and carry on
}

void tcp_relay::drop(const std::shared_ptr<connection>& conn) {
    if (conn->closed) return;
    conn->closed = true;
    boost::system::error_code ignored;
    conn->down.close(ignored);
    conn->up.close(ignored);
    std::erase(connections_, conn);
}

asio::awaitable<void> tcp_relay::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec) co_return;
        if (cut_) continue;  // the accepted socket closes as it goes out of scope
        asio::co_spawn(io_, relay(std::make_shared<tcp::socket>(std::move(socket))),
                       asio::detached);
    }
}

asio::awaitable<void> tcp_relay::relay(std::shared_ptr<tcp::socket> down) {
    const auto generation = generation_;
    auto conn = std::make_shared<connection>(io_, std::move(*down));
    auto [ec] = co_await conn->up.async_connect(target_, use_tuple);
    if (ec || cut_ || generation != generation_) co_return;  // both sockets close with conn
    connections_.push_back(conn);
    asio::co_spawn(io_, pump(conn, true), asio::detached);
    asio::co_spawn(io_, pump(conn, false), asio::detached);
}

asio::awaitable<void> tcp_relay::pump(std::shared_ptr<connection> conn, bool upstream) {
    auto& from = upstream ? conn->down : conn->up;
    auto& to = upstream ? conn->up : conn->down;
    std::array<char, 8192> buf;
    for (;;) {
        while (frozen_ && !conn->closed)
            co_await gate_.async_wait(use_tuple);
        if (conn->closed) co_return;
        auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), use_tuple);
        if (conn->closed) co_return;
        if (!ec) {
            while (frozen_ && !conn->closed)
                co_await gate_.async_wait(use_tuple);
            if (conn->closed) co_return;
            std::tie(ec, std::ignore) =
                co_await asio::async_write(to, asio::buffer(buf, n), use_tuple);
        }
        if (ec) {
            // One side ended or failed: end the other too, as a direct connection would.
            if (!conn->closed) drop(conn);
            co_return;
        }
    }
}

}  // namespace kata::e2e
