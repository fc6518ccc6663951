#pragma once
// A TCP relay for client end-to-end tests: it listens on 127.0.0.1 (ephemeral port) and forwards
// every accepted connection to 127.0.0.1:target, so a test can play a network that hangs or drops.
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace kata::e2e {

// Thread-safe: freeze(), cut() and restore() may be called from any thread; each returns once the
// relay's own thread has applied it.
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
    void freeze();
    // Closes every relayed connection (both sides) and, until restore(), closes each new
    // connection as soon as it is accepted: what a dropped network looks like to both ends.
    void cut();
    // Ends a freeze or a cut: held connections resume forwarding, new ones are relayed again.
    void restore();

  private:
    struct connection;
    void run_sync(void (tcp_relay::*change)());
    void do_freeze();
    void do_cut();
    void do_restore();
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> relay(std::shared_ptr<boost::asio::ip::tcp::socket> down);
    boost::asio::awaitable<void> pump(std::shared_ptr<connection> conn, bool upstream);
    void drop(const std::shared_ptr<connection>& conn);

    // Declared first so it outlives everything that uses it.
    boost::asio::io_context io_;
    boost::asio::ip::tcp::endpoint target_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    boost::asio::steady_timer gate_;  // never expires; cancelled to wake frozen pumps
    // State below is touched only on the relay's thread.
    std::vector<std::shared_ptr<connection>> connections_;
    bool frozen_ = false;
    bool cut_ = false;
    std::uint64_t generation_ = 0;  // bumped by cut(): connections of an older one are dropped
    std::thread thread_;
};

}  // namespace kata::e2e
