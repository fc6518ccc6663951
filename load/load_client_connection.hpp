#pragma once
// load_client's per-connection record, shared by its two source files (the connection's life in
// load_client.cpp, the control thread's requests in load_client_control.cpp); not for other users.
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "core/server/tls/tls_transport.hpp"
#include "load/load_client.hpp"

namespace kata::load {

struct load_client::connection {
    connection(boost::asio::io_context& io, std::size_t l) : socket(io), deadline(io), local(l) {}
    // Reopened when --churn cuts the connection and it reconnects.
    boost::asio::ip::tcp::socket socket;
    boost::asio::steady_timer deadline;  // the ramp turn, then TCP + upgrade + `subscribed`
    std::size_t local;                   // index in the thread's subscriber_state
    std::size_t node = 0;                // which of the run's nodes (--url) it connects to
    std::uint64_t deadline_gen = 0;      // bumped to disarm a deadline whose handler is queued
    bool open = false;                   // upgraded and not yet closed
    bool churned = false;    // cut by --churn: the read loop reconnects instead of ending
    bool closing = false;    // begin_close sent our close frame; the server's answers it
    bool writing = false;    // an async write is in flight: no other write may start
    bool timed_out = false;  // the deadline cut it before `subscribed`
    bool deflate = false;    // the server accepted permessage-deflate
    std::chrono::steady_clock::time_point cut_at{};
    std::string last_event_id;  // on its channel, kept only with --churn: the next `since`
    // wss:// only: the TLS session on `socket`, made anew by each open.
    std::unique_ptr<server::tls_transport> tls;
    // Where each wake-up's first bytes are read (see read_frames): room for a load event with
    // a payload up to about 750 bytes, so below saturation a wake-up is one read.
    std::array<char, 1024> first_bytes;
};

struct load_client::ending {
    // As a disconnect: the server's close code (1005 for a close frame without one), the code we
    // closed with when its frames broke the protocol, 1006 when there was no close frame.
    std::uint16_t code = 1006;
    std::string why;  // the failure's reason, when it ended before `subscribed`
};

// A masking key for a frame we send (RFC 6455 5.3: fresh for each frame).
inline std::array<std::uint8_t, 4> mask_from(std::mt19937& rng) {
    const auto bits = rng();
    return {static_cast<std::uint8_t>(bits), static_cast<std::uint8_t>(bits >> 8),
            static_cast<std::uint8_t>(bits >> 16), static_cast<std::uint8_t>(bits >> 24)};
}

}  // namespace kata::load
