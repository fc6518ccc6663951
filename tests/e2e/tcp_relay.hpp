#pragma once
// A TCP fault proxy for end-to-end tests: it listens on 127.0.0.1 (ephemeral port) and forwards
// every accepted connection to 127.0.0.1:target, and the test decides what the network does to
// the bytes: hold them, slow them, drop them, add to them, or end the connection (FIN or RST).
// "upstream" is client -> target, "downstream" target -> client. Faults act on chunks: what one
// read of the relay returned (one small HTTP answer or one Redis reply usually fits in one).
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace kata::e2e {

enum class relay_direction { upstream = 0, downstream = 1, both = 2 };

// Thread-safe: every control call may come from any thread and returns once the relay's own
// thread has applied it.
class tcp_relay {
  public:
    explicit tcp_relay(std::uint16_t target_port);
    ~tcp_relay();
    tcp_relay(const tcp_relay&) = delete;
    tcp_relay& operator=(const tcp_relay&) = delete;

    std::uint16_t port() const { return port_; }

    // Stops forwarding in both directions but keeps every socket open (no FIN, no RST): what a
    // hung server or a dead network path looks like. New connections are accepted and held too.
    // Bytes already read are kept and forwarded after restore().
    void freeze() { stall(relay_direction::both); }
    // freeze() for one direction only: e.g. requests still reach the server, answers do not.
    void stall(relay_direction d);
    // Closes every relayed connection (both sides, FIN) and, until restore(), closes each new
    // connection as soon as it is accepted: what a dropped network looks like to both ends.
    void cut();
    // Resets every relayed connection now (both sides get an RST: SO_LINGER 0). New connections
    // are relayed as usual: a one-off, like a middlebox that lost its state.
    void reset();
    // Holds each chunk in direction `d` for `delay` before forwarding it (order is kept).
    void set_delay(relay_direction d, std::chrono::milliseconds delay);
    // Connections open now silently discard everything they read in direction `d` from now on,
    // for good (restore() does not bring the lost bytes or the stream back); the sockets stay
    // open. New connections are not affected.
    void drop_rest(relay_direction d);
    // `bytes` go out in direction `d` right before (or right after) the next chunk forwarded that
    // way on any connection: an interim answer in front of the real one, garbage behind it.
    void inject_before_next(relay_direction d, std::string bytes);
    void inject_after_next(relay_direction d, std::string bytes);
    // The next chunk forwarded in direction `d` is written twice: a duplicated answer.
    void duplicate_next(relay_direction d);
    // Ends a stall, a freeze, a cut and every delay: held connections resume forwarding, new ones
    // are relayed again. Pending one-shot injections are forgotten.
    void restore();

    // Connections relayed now (both sockets open).
    std::size_t open_connections();

  private:
    struct connection;
    struct one_shot {
        std::string before;
        std::string after;
        bool duplicate = false;
        bool armed() const { return duplicate || !before.empty() || !after.empty(); }
    };
    void run_sync(const std::function<void()>& change);
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> relay(std::shared_ptr<boost::asio::ip::tcp::socket> down);
    boost::asio::awaitable<void> pump(std::shared_ptr<connection> conn, int way);
    boost::asio::awaitable<void> wait_while_stalled(const std::shared_ptr<connection>& conn,
                                                    int way);
    void drop(const std::shared_ptr<connection>& conn, bool hard);
    template <class F>
    void for_each_way(relay_direction d, F f) {
        if (d != relay_direction::downstream) f(0);
        if (d != relay_direction::upstream) f(1);
    }

    // Declared first so it outlives everything that uses it.
    boost::asio::io_context io_;
    boost::asio::ip::tcp::endpoint target_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    boost::asio::steady_timer gate_;  // never expires; cancelled to wake stalled pumps
    // State below is touched only on the relay's thread; arrays are indexed by way (0 up, 1 down).
    std::vector<std::shared_ptr<connection>> connections_;
    std::array<bool, 2> stalled_{false, false};
    std::array<std::chrono::milliseconds, 2> delay_{};
    std::array<one_shot, 2> pending_{};
    bool cut_ = false;
    std::uint64_t generation_ = 0;  // bumped by cut()/reset(): older connections are dropped
    std::thread thread_;
};

}  // namespace kata::e2e
