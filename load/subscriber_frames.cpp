#include "load/subscriber_frames.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/protocol/ws_frame_writer.hpp"
#include "load/churn.hpp"
#include "load/payload.hpp"

namespace kata::load {

namespace ws = protocol::ws;
using clock_type = std::chrono::steady_clock;

std::int64_t unix_micros_now() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

subscriber_frames::subscriber_frames(subscriber_state& state, params p, std::string& last_event_id,
                                     std::mt19937& mask_rng)
    : state_(state),
      p_(p),
      last_event_id_(last_event_id),
      mask_rng_(mask_rng),
      now_unix_us_(unix_micros_now()) {}

bool subscriber_frames::on_text(std::string_view frame) {
    state_.message_bytes += frame.size();
    if (auto ev = scan_load_event(frame); ev && subscribed_) {
        if (ev->channel != p_.channel) return true;  // not ours: ignored, as before
        if (p_.track_ids) last_event_id_.assign(scan_event_id(frame));
        // A resumed subscriber keeps its tally: a replayed event it never saw counts as
        // delivered (once), one it already had as duplicated.
        if (state_.tallies[p_.local].record(ev->seq) != delivery_kind::duplicated) {
            const std::int64_t waited = now_unix_us_ - ev->intended_unix_us;
            const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(waited, 0));
            state_.latency.record(us);
            state_.latency_interval.record(us);
            ++state_.deliveries;
        }
        return true;
    }
    if (subscribed_) return true;
    const auto type = scan_type(frame);
    if (type == "subscribed") {
        subscribed_ = true;
        state_.phase[p_.local] = connection_phase::subscribed;
        const auto waited = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - p_.t0)
                .count());
        if (p_.resuming) {
            ++state_.resumed;
            if (!scan_recovered(frame).value_or(false)) ++state_.unrecovered;
            state_.reconnect_latency.record(waited);
        } else {
            state_.connect_latency.record(waited);
            state_.subscribe_latency.record(
                static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                               clock_type::now() - p_.subscribe_sent)
                                               .count()));
            ++state_.subscribed;
            ++state_.settled;
        }
    } else if (type == "error") {
        refused_ = error_text(frame);
        return false;
    }
    return true;
}

// "forbidden: team t1 may not read team:dev": the server's code and message, which tell a person
// what to fix; the raw envelope (cut at 200 bytes) only when it has neither.
std::string subscriber_frames::error_text(std::string_view frame) {
    const auto doc = nlohmann::json::parse(frame, nullptr, false);
    if (doc.is_object() && doc.contains("payload") && doc["payload"].is_object()) {
        const auto& p = doc["payload"];
        const auto text = [&](const char* key) {
            return p.contains(key) && p[key].is_string() ? p[key].get<std::string>() : "";
        };
        const auto code = text("code");
        const auto message = text("message");
        if (!code.empty() || !message.empty()) {
            return code.empty() ? message : message.empty() ? code : code + ": " + message;
        }
    }
    return std::string(frame.substr(0, 200));
}

bool subscriber_frames::on_binary(std::string_view) {
    return true;  // the server sends none; nothing to account
}

bool subscriber_frames::on_ping(std::string_view payload) {
    // Unanswered pings get a connection cut by the server's heartbeat, which would show up as a
    // disconnect the server did not deserve.
    replies_ += ws::client_frame(ws::opcode::pong, payload, next_mask());
    return true;
}

bool subscriber_frames::on_pong(std::string_view) {
    return true;  // we send no pings
}

void subscriber_frames::on_close(std::optional<std::uint16_t> code, std::string_view reason) {
    // RFC 6455 5.5.1: answer with a close frame echoing the code, then the TCP close follows.
    peer_close_ = code.value_or(1005);
    peer_close_reason_.assign(reason);
    if (p_.close_sent != nullptr && *p_.close_sent) return;
    replies_ +=
        ws::client_frame(ws::opcode::close, code ? ws::close_body(*code, "") : "", next_mask());
}

std::array<std::uint8_t, 4> subscriber_frames::next_mask() {
    const auto bits = mask_rng_();
    return {static_cast<std::uint8_t>(bits), static_cast<std::uint8_t>(bits >> 8),
            static_cast<std::uint8_t>(bits >> 16), static_cast<std::uint8_t>(bits >> 24)};
}

}  // namespace kata::load
