// The requests the run's control thread makes of a load_client (run on the client's thread):
// churn cuts, the closing of the run, live counts.
#include <boost/asio/write.hpp>

#include "core/protocol/ws_frame_writer.hpp"
#include "load/churn.hpp"
#include "load/load_client.hpp"
#include "load/load_client_connection.hpp"

namespace kata::load {

namespace asio = boost::asio;
namespace ws = protocol::ws;
using clock_type = std::chrono::steady_clock;
using error_code = boost::system::error_code;

bool load_client::cut_one(std::mt19937_64& rng) {
    auto eligible = [this](std::size_t j) {
        const auto& c = *connections_[j];
        // Only a subscriber that has an eventId to resume from: without one, `since` cannot
        // be sent and the events of the gap would be lost by construction.
        return state_.phase[j] == connection_phase::subscribed && c.open && !c.churned &&
               !c.closing && !c.last_event_id.empty();
    };
    const auto victim = pick_victim(connections_.size(), eligible, rng);
    if (!victim) return false;
    auto& c = *connections_[*victim];
    c.churned = true;
    c.open = false;
    c.cut_at = clock_type::now();
    state_.phase[*victim] = connection_phase::resuming;  // owed its events from now on
    ++state_.churned;
    // Abrupt: no close frame, the TCP socket just closes (the server sees 1006), like a killed
    // process or a dropped network path. The read loop reconnects it.
    error_code ignored;
    c.socket.close(ignored);
    return true;
}

void load_client::begin_close() {
    state_.stopping = true;
    for (auto& conn : connections_) {
        error_code ec;
        if (!conn->open || conn->writing) {
            // Not upgraded yet (connecting, or waiting its ramp turn), or mid-write: just cut.
            conn->socket.close(ec);
            continue;
        }
        conn->open = false;
        // A few bytes on a socket whose send buffer holds at most a pong: a non-blocking write
        // takes them whole, or the connection is cut.
        const auto frame =
            ws::client_frame(ws::opcode::close, ws::close_body(1000, ""), mask_from(mask_rng_));
        std::size_t n = 0;
        if (conn->tls) {
            iovec iov{const_cast<char*>(frame.data()), frame.size()};
            const auto r = conn->tls->write(&iov, 1);
            n = r.state == server::tls_transport::status::failed ? 0 : r.bytes;
        } else {
            n = conn->socket.write_some(asio::buffer(frame), ec);
        }
        if (ec || n != frame.size()) {
            conn->socket.close(ec);
            continue;
        }
        conn->closing = true;
        ++closing_;
    }
}

void load_client::cut_all() {
    for (auto& conn : connections_) {
        error_code ignored;
        conn->socket.close(ignored);
    }
}

live_counts load_client::counts(const std::vector<std::uint64_t>* accepted, bool take_interval) {
    live_counts c;
    c.subscribed = state_.subscribed;
    c.settled = state_.settled;
    c.deliveries = state_.deliveries;
    if (accepted != nullptr) c.outstanding = state_.outstanding(*accepted);
    c.resuming = state_.resuming();
    c.closing = closing_;
    for (const auto& [code, n] : state_.disconnects)
        c.disconnects += n;
    c.churned = state_.churned;
    c.unrecovered = state_.unrecovered;
    if (take_interval) {
        c.latency_interval = state_.latency_interval;
        state_.latency_interval.reset();
    }
    return c;
}

}  // namespace kata::load
