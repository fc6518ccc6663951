#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/protocol/deflate/inflater.hpp"
#include "load/run_state.hpp"
#include "load/scenario.hpp"

namespace kata::load {

class subscriber_frames;

// The subscribing side of a run on one thread: the connections of `state` (its share of the run),
// opened evenly over the ramp, each subscribing to one channel and then reading and recording
// until the run closes it. Plain TCP sockets with our own frame codec, not Beast's stream: every
// connection of the thread reads into one buffer (it waits for readability, then reads without
// blocking and parses at once), so the load client costs little per delivery and per idle
// connection. Deliberately not the reconnecting client: a load client must not hide a drop by
// reconnecting. The one exception is a cut the run makes itself (--churn): that connection
// resumes, as the same subscriber.
//
// Every member function runs on the thread of `io`.
class load_client {
  public:
    load_client(boost::asio::io_context& io, const scenario& sc, subscriber_state& state);
    ~load_client();
    load_client(const load_client&) = delete;
    load_client& operator=(const load_client&) = delete;

    // Spawns every connection; run-wide connection i starts at `start + i * ramp / connections`.
    void start(std::chrono::steady_clock::time_point start);

    // --churn: cuts a random subscribed connection of this thread (no close frame) and lets it
    // reconnect and resubscribe with `since` = the last eventId it received. False when no
    // connection can be cut (none subscribed with an eventId to resume from).
    bool cut_one(std::mt19937_64& rng);

    // The end of the run: state.stopping is set, each open connection is sent a close frame
    // (1000) and the others are cut. counts().closing tells how many still await the answer.
    void begin_close();
    // Cuts every socket still open (the close grace is over).
    void cut_all();

    // This thread's live figures; `accepted` (events accepted per channel) adds the deliveries
    // still owed; `take_interval` moves out the latency of the last interval.
    live_counts counts(const std::vector<std::uint64_t>* accepted, bool take_interval);

  private:
    struct connection;  // socket and per-connection flags, kept out of this header
    struct ending;      // how a connection's read loop ended
    boost::asio::awaitable<void> run_connection(std::shared_ptr<connection> conn,
                                                std::chrono::steady_clock::time_point at);
    boost::asio::awaitable<std::string> open(connection& conn, std::string& leftover);
    boost::asio::awaitable<ending> read_frames(connection& conn, subscriber_frames& frames,
                                               std::string leftover);
    void finished_closing(connection& conn);
    // The connection's bytes in and out, over its TLS session when it has one (wss://).
    boost::asio::awaitable<std::string> tls_handshake(connection& conn);
    boost::asio::awaitable<boost::system::error_code> send_all(connection& conn,
                                                               std::string_view data);
    boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> receive(
        connection& conn, std::span<char> into);

    boost::asio::io_context& io_;
    const scenario& scenario_;
    subscriber_state& state_;
    std::vector<std::shared_ptr<connection>> connections_;
    // Per node (--url), resolved by the first connection that needs it.
    std::vector<std::vector<boost::asio::ip::tcp::endpoint>> endpoints_;
    std::vector<char> read_buffer_;         // shared: one connection reads and parses at a time
    std::mt19937 mask_rng_;                 // masks of the frames we send
    protocol::deflate::inflater inflater_;  // --deflate: for every connection of the thread
    std::mt19937_64 key_rng_;               // Sec-WebSocket-Key nonces
    std::size_t closing_ = 0;               // close frames sent by begin_close, not yet answered
};

}  // namespace kata::load
