#include "tests/e2e/tcp_relay.hpp"

#include <algorithm>
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
    std::array<bool, 2> dropping{false, false};
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

void tcp_relay::run_sync(const std::function<void()>& change) {
    std::promise<void> done;
    asio::post(io_, [&] {
        change();
        done.set_value();
    });
    done.get_future().wait();
}

void tcp_relay::stall(relay_direction d) {
    run_sync([&] { for_each_way(d, [&](int w) { stalled_[w] = true; }); });
}

void tcp_relay::cut() {
    run_sync([&] {
        cut_ = true;
        ++generation_;
        auto doomed = std::move(connections_);
        connections_.clear();
        for (auto& conn : doomed)
            drop(conn, false);
        gate_.cancel();  // stalled pumps see their connection closed and end
    });
}

void tcp_relay::reset() {
    run_sync([&] {
        ++generation_;
        auto doomed = std::move(connections_);
        connections_.clear();
        for (auto& conn : doomed)
            drop(conn, true);
        gate_.cancel();
    });
}

void tcp_relay::set_delay(relay_direction d, std::chrono::milliseconds delay) {
    run_sync([&] { for_each_way(d, [&](int w) { delay_[w] = delay; }); });
}

void tcp_relay::drop_rest(relay_direction d) {
    run_sync([&] {
        for (auto& conn : connections_)
            for_each_way(d, [&](int w) { conn->dropping[w] = true; });
    });
}

void tcp_relay::inject_before_next(relay_direction d, std::string bytes) {
    run_sync([&] { for_each_way(d, [&](int w) { pending_[w].before += bytes; }); });
}

void tcp_relay::inject_after_next(relay_direction d, std::string bytes) {
    run_sync([&] { for_each_way(d, [&](int w) { pending_[w].after += bytes; }); });
}

void tcp_relay::duplicate_next(relay_direction d) {
    run_sync([&] { for_each_way(d, [&](int w) { pending_[w].duplicate = true; }); });
}

void tcp_relay::restore() {
    run_sync([&] {
        stalled_ = {false, false};
        delay_ = {};
        pending_ = {};
        cut_ = false;
        gate_.cancel();  // stalled pumps wake up, see nothing stalled and carry on
    });
}

std::size_t tcp_relay::open_connections() {
    std::size_t n = 0;
    run_sync([&] { n = connections_.size(); });
    return n;
}

void tcp_relay::drop(const std::shared_ptr<connection>& conn, bool hard) {
    if (conn->closed) return;
    conn->closed = true;
    boost::system::error_code ignored;
    if (hard) {
        // Linger on with a zero timeout: close() then sends an RST instead of a FIN.
        conn->down.set_option(tcp::socket::linger(true, 0), ignored);
        conn->up.set_option(tcp::socket::linger(true, 0), ignored);
    }
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
    // Listed before it reaches the target, so that a fault set once the target has accepted
    // (the earliest a test can tell) applies to it.
    connections_.push_back(conn);
    auto [ec] = co_await conn->up.async_connect(target_, use_tuple);
    if (conn->closed) co_return;
    if (ec || cut_ || generation != generation_) {
        drop(conn, false);
        co_return;
    }
    asio::co_spawn(io_, pump(conn, 0), asio::detached);
    asio::co_spawn(io_, pump(conn, 1), asio::detached);
}

asio::awaitable<void> tcp_relay::wait_while_stalled(const std::shared_ptr<connection>& conn,
                                                    int way) {
    while (stalled_[way] && !conn->closed)
        co_await gate_.async_wait(use_tuple);
}

asio::awaitable<void> tcp_relay::pump(std::shared_ptr<connection> conn, int way) {
    auto& from = way == 0 ? conn->down : conn->up;
    auto& to = way == 0 ? conn->up : conn->down;
    std::array<char, 8192> buf;
    std::string out;
    for (;;) {
        co_await wait_while_stalled(conn, way);
        if (conn->closed) co_return;
        auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), use_tuple);
        if (conn->closed) co_return;
        if (!ec && conn->dropping[way]) continue;
        if (!ec) {
            if (delay_[way].count() > 0) {
                asio::steady_timer t(io_, delay_[way]);
                co_await t.async_wait(use_tuple);
            }
            co_await wait_while_stalled(conn, way);
            if (conn->closed) co_return;
            if (conn->dropping[way]) continue;
            const std::string_view chunk(buf.data(), n);
            auto shot = std::exchange(pending_[way], one_shot{});
            out.assign(shot.before);
            out.append(chunk);
            if (shot.duplicate) out.append(chunk);
            out.append(shot.after);
            std::tie(ec, std::ignore) =
                co_await asio::async_write(to, asio::buffer(out), use_tuple);
        }
        if (ec) {
            // One side ended or failed: end the other too, as a direct connection would.
            if (!conn->closed) drop(conn, false);
            co_return;
        }
    }
}

}  // namespace kata::e2e
