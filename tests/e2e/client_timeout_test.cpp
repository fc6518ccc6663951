// A server that stops sending (frozen behind a TCP relay) is detected within server_timeout.
#include <array>
#include <atomic>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "tests/e2e/client_support.hpp"

namespace kata::client::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Forwards 127.0.0.1:port() to the target port until freeze(); from then on it neither reads nor
// writes nor closes, which is what a hung server or a dead network path looks like.
class frozen_relay {
  public:
    explicit frozen_relay(std::uint16_t target)
        : target_(asio::ip::make_address("127.0.0.1"), target),
          acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~frozen_relay() {
        io_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    void freeze() { frozen_ = true; }

  private:
    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
            if (ec) co_return;
            auto down = std::make_shared<tcp::socket>(std::move(socket));
            auto up = std::make_shared<tcp::socket>(io_);
            auto [cec] = co_await up->async_connect(target_, use_tuple);
            if (cec) continue;
            held_.push_back(down);  // kept open after a freeze: no FIN, no RST
            held_.push_back(up);
            asio::co_spawn(io_, pump(down, up), asio::detached);
            asio::co_spawn(io_, pump(up, down), asio::detached);
        }
    }

    asio::awaitable<void> pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
        std::array<char, 8192> buf;
        for (;;) {
            auto [ec, n] = co_await from->async_read_some(asio::buffer(buf), use_tuple);
            if (ec || frozen_) co_return;
            auto [wec, written] = co_await asio::async_write(*to, asio::buffer(buf, n), use_tuple);
            if (wec) co_return;
        }
    }

    asio::io_context io_;
    tcp::endpoint target_;
    tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<tcp::socket>> held_;
    std::atomic<bool> frozen_{false};
    std::thread thread_;
};

TEST(ClientTimeout, AFrozenServerIsDetectedWithinServerTimeout) {
    auto server = start_server(test_config(0));
    frozen_relay relay(server->port());
    client_thread thread;
    recorder rec;
    auto opts = options_for(relay.port());
    opts.server_timeout = 600ms;
    opts.min_delay = 5s;  // one detection is the subject; no reconnect during the test
    reconnecting_client client(thread.io, opts, rec.callbacks());
    client.subscribe(channel("agent:a1"), rec.handler());
    client.start();
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() == 1; }));

    // A live server that publishes nothing for several server_timeouts is not dropped: the
    // client's keep-alive pings get answered.
    EXPECT_FALSE(rec.wait_for([&] { return !rec.reconnects.empty(); }, 1500ms));

    const auto frozen_at = std::chrono::steady_clock::now();
    relay.freeze();
    ASSERT_TRUE(rec.wait_for([&] { return !rec.reconnects.empty(); }, 5s));
    std::lock_guard lock(rec.mutex);
    const auto detected_after = rec.reconnect_at[0] - frozen_at;
    // Scheduling slack on a loaded 2-core machine; the bound is server_timeout, not half of it.
    EXPECT_LE(detected_after, opts.server_timeout + 300ms);
    EXPECT_EQ(rec.reconnects[0].code, 1006);
    EXPECT_NE(rec.reconnects[0].reason.find("server timeout"), std::string::npos)
        << rec.reconnects[0].reason;
}

}  // namespace
}  // namespace kata::client::testing
