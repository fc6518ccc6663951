#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "load/run_state.hpp"
#include "load/scenario.hpp"

namespace kata::load {

// The subscribing side of a run: `connections` raw WebSocket connections on one executor, opened
// evenly over the ramp, each subscribing to one channel and then reading and recording until the
// run closes it. Deliberately not the reconnecting client: a load client must not hide a drop by
// reconnecting, and it must stay cheap at thousands of connections. The one exception is a cut
// the run makes itself (--churn): that connection resumes, as the same subscriber.
class load_client {
  public:
    load_client(boost::asio::any_io_executor executor, const scenario& sc, run_state& state);
    ~load_client();
    load_client(const load_client&) = delete;
    load_client& operator=(const load_client&) = delete;

    // Spawns every connection; they start at `start + i * ramp / connections`.
    void start(std::chrono::steady_clock::time_point start);

    // --churn: from `start`, scenario.churn times a second, cuts a random subscribed connection
    // (no close frame) and lets it reconnect and resubscribe with `since` = the last eventId it
    // received. Ends after floor(churn * duration) cuts, or when state.stopping is set.
    boost::asio::awaitable<void> run_churn(std::chrono::steady_clock::time_point start);

    // Closes every open connection with 1000 (state.stopping must already be set); completes when
    // all are closed or `grace` has passed, after which the sockets are cut.
    boost::asio::awaitable<void> close_all(std::chrono::milliseconds grace);

  private:
    struct connection;  // holds the Beast stream, kept out of this header
    boost::asio::awaitable<void> run_connection(std::shared_ptr<connection> conn,
                                                std::chrono::steady_clock::time_point at);

    boost::asio::any_io_executor executor_;
    const scenario& scenario_;
    run_state& state_;
    std::vector<std::shared_ptr<connection>> connections_;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
};

}  // namespace kata::load
