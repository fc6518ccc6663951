#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "core/protocol/deflate/inflater.hpp"
#include "core/protocol/ws_frame_parser.hpp"
#include "load/run_state.hpp"

namespace kata::load {

// What one subscriber connection does with the frames the server sends it: the run's accounting
// (deliveries, duplicates, order, latency), the `subscribed` answer, pings and the server's close.
// No I/O, so it is tested without sockets: the read loop feeds the parser with this as handler,
// then acts on what it asks for (replies() to send; peer_close() or refused() ends the
// connection).
class subscriber_frames final : public protocol::ws::frame_handler {
  public:
    struct params {
        std::size_t local = 0;     // the connection's index in `state`
        std::string_view channel;  // the channel it subscribed to (must outlive this)
        bool resuming = false;     // a resubscribe after a --churn cut, with `since`
        std::chrono::steady_clock::time_point t0;  // connect start; the cut when resuming
        std::chrono::steady_clock::time_point subscribe_sent;  // when the subscribe left
        bool track_ids = false;  // --churn: keep the last eventId, the next `since`
        // Set once the run has sent its own close: the server's close is then the answer to it,
        // not echoed.
        const bool* close_sent = nullptr;
        // The thread's inflater, for permessage-deflate (each message stands alone).
        protocol::deflate::inflater* inflater = nullptr;
    };

    subscriber_frames(subscriber_state& state, params p, std::string& last_event_id,
                      std::mt19937& mask_rng);

    // The receive time stamped on the deliveries of the next feed: one clock read per socket
    // read, not one per frame (the frames of one read arrived together).
    void set_now(std::int64_t unix_us) { now_unix_us_ = unix_us; }

    bool on_text(std::string_view message) override;
    bool on_binary(std::string_view message) override;
    bool on_ping(std::string_view payload) override;
    bool on_pong(std::string_view payload) override;
    void on_close(std::optional<std::uint16_t> code, std::string_view reason) override;
    protocol::deflate::inflater* inflater() override { return p_.inflater; }

    bool subscribed() const { return subscribed_; }
    // The server's `error` answer to the subscribe ("" when none): the connection ends.
    const std::string& refused() const { return refused_; }
    // The code of the server's close frame (1005 when it had none), once one arrived.
    std::optional<std::uint16_t> peer_close() const { return peer_close_; }
    const std::string& peer_close_reason() const { return peer_close_reason_; }
    // Masked frames to send, in order (pongs, the close echo); the read loop sends and clears it.
    std::string& replies() { return replies_; }

  private:
    std::array<std::uint8_t, 4> next_mask();

    subscriber_state& state_;
    params p_;
    std::string& last_event_id_;
    std::mt19937& mask_rng_;
    std::int64_t now_unix_us_ = 0;
    bool subscribed_ = false;
    static std::string error_text(std::string_view frame);
    std::string refused_;
    std::optional<std::uint16_t> peer_close_;
    std::string peer_close_reason_;
    std::string replies_;
};

// Unix time in microseconds, the clock the publisher stamps each event's intended send time in.
std::int64_t unix_micros_now();

}  // namespace kata::load
