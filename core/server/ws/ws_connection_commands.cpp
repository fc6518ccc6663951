// The command half of ws_connection: what it does with each client frame, and its subscriptions.
#include <chrono>
#include <utility>

#include "core/auth/authorizer.hpp"
#include "core/protocol/control.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/error_code.hpp"
#include "core/protocol/timestamp.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ops/log_limiter.hpp"
#include "core/server/ops/remote_address.hpp"
#include "core/server/ws/revalidator.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {

namespace error_code = protocol::error_code;

hub::frame ws_connection::control_frame(std::string_view type, const std::string* channel,
                                        std::string payload) {
    protocol::envelope env;
    env.type = type;
    if (channel) env.channel = *channel;
    env.timestamp = protocol::format_timestamp(std::chrono::system_clock::now());
    env.event_id = state_.hub.next_control_id();
    env.payload_json = std::move(payload);
    return protocol::ws::server_frame(protocol::ws::opcode::text,
                                      protocol::serialize_envelope(env));
}

void ws_connection::send_control(std::string_view type, const std::string* channel,
                                 std::string payload) {
    queue(control_frame(type, channel, std::move(payload)), true);
}

void ws_connection::send_error(std::string_view code, std::string_view message,
                               std::string_view request_id, const std::string* channel) {
    state_.counters.command_errors.add(code);
    send_control("error", channel, protocol::error_payload(code, message, request_id));
}

bool ws_connection::admit_frame() {
    switch (limiter_.on_command(clock::now())) {
        case command_rate_limiter::verdict::allow:
            return true;
        case command_rate_limiter::verdict::refuse:
            // Refused before parsing: an abusive client costs as little as possible.
            bump(state_.counters.rate_limited_commands);
            send_error(error_code::rate_limited, "too many commands; slow down", "");
            return false;
        case command_rate_limiter::verdict::disconnect:
            state_.counters.closed_rate_limited.fetch_add(1);
            begin_close(protocol::close_code::too_many, "too many commands");
            return false;
    }
    return false;
}

bool ws_connection::on_text(std::string_view message) {
    if (closing_) return true;  // the close is under way: commands are no longer answered
    if (std::exchange(admitted_, false) || admit_frame()) handle_command(message);
    return !closing_;
}

bool ws_connection::admit_compressed() {
    // Counted before it is inflated, so a client over the limit costs no inflating.
    if (closing_) return false;
    admitted_ = admit_frame();
    return admitted_;
}

bool ws_connection::on_binary(std::string_view) {
    if (closing_) return true;
    // Every client frame counts toward the rate limit, binary ones too.
    if (std::exchange(admitted_, false) || admit_frame()) {
        send_error(error_code::unsupported_frame,
                   "binary frames are not supported in protocol version 1", "");
    }
    return !closing_;
}

bool ws_connection::on_ping(std::string_view payload) {
    if (closing_) return true;
    if (admit_frame()) queue(protocol::ws::server_frame(protocol::ws::opcode::pong, payload), true);
    return !closing_;
}

bool ws_connection::on_pong(std::string_view) {
    return true;  // liveness is any frame; the read already counted
}

void ws_connection::handle_command(std::string_view text) {
    auto parsed = protocol::parse_command(text);
    if (const auto* err = std::get_if<protocol::command_error>(&parsed)) {
        send_error(err->code, err->message, err->request_id);
        return;
    }
    const auto& cmd = std::get<protocol::command>(parsed);
    switch (cmd.type) {
        case protocol::command_type::ping:
            send_control("pong", nullptr, protocol::pong_payload(cmd.request_id));
            return;
        case protocol::command_type::subscribe:
            on_subscribe(cmd);
            return;
        case protocol::command_type::unsubscribe:
            on_unsubscribe(cmd);
            return;
    }
}

hub::channel* ws_connection::find_subscription(std::string_view name) const {
    for (hub::channel* ch : subscriptions_)
        if (ch->name() == name) return ch;
    return nullptr;
}

bool ws_connection::refuse_over_limit(const protocol::command& cmd, const std::string& key) {
    if (subscriptions_.size() < state_.config.limits.max_subscriptions) return false;
    send_error(error_code::subscription_limit, "too many subscriptions on this connection",
               cmd.request_id, &key);
    return true;
}

void ws_connection::on_subscribe(const protocol::command& cmd) {
    const auto& channel = *cmd.channel;
    const std::string key = channel.str();
    hub::channel* existing = find_subscription(key);
    if (!existing && refuse_over_limit(cmd, key)) return;
    // Authorization is checked on every subscribe, even a repeated one: the directory may have
    // been reloaded since.
    const auto dir = state_.directory();
    if (const auto* async_dir = dir->async()) {
        subscribe_async(*async_dir, cmd);
        return;
    }
    auth::decision verdict = auth::decision::unavailable;
    try {
        verdict = auth::authorize_subscribe(*dir, who_, channel);
    } catch (...) {
        verdict = auth::decision::unavailable;  // a backend that throws has failed: deny
    }
    finish_subscribe(cmd, verdict);
}

void ws_connection::finish_subscribe(const protocol::command& cmd, auth::decision verdict) {
    const auto& channel = *cmd.channel;
    const std::string key = channel.str();
    if (verdict == auth::decision::forbidden) {
        log_refusal(refusal::channel_denied, remote_address(socket_), who_.id, key, id_);
        send_error(error_code::forbidden, "not allowed to subscribe to this channel",
                   cmd.request_id, &key);
        return;
    }
    if (verdict == auth::decision::unavailable) {
        send_error(error_code::authorization_unavailable,
                   "authorization backend unavailable; try again", cmd.request_id, &key);
        return;
    }
    // Looked up again: an async answer may come after other subscribes completed.
    hub::channel* existing = find_subscription(key);
    if (!existing && refuse_over_limit(cmd, key)) return;
    if (existing) {
        // Never lapsed: there is no gap to fill.
        send_control("subscribed", &key,
                     protocol::subscription_payload(
                         cmd.request_id, cmd.since ? std::optional<bool>(true) : std::nullopt));
        return;
    }
    if (state_.hub.remote()) {
        subscribe_remote(cmd);
        return;
    }
    // The worker attaches to the channel (once per thread); every event after the attach point
    // comes through the worker's inbox, every one up to it is history or the replay below.
    auto att = state_.hub.attach(channel, &worker_, cmd.since);
    complete_subscribe(cmd, att);
}

void ws_connection::complete_subscribe(const protocol::command& cmd, hub::attachment& att) {
    const std::string& key = att.ch->name();
    if (att.recovered) state_.counters.count_resume(*att.recovered);
    bump(state_.counters.subscriptions);
    send_control("subscribed", &key, protocol::subscription_payload(cmd.request_id, att.recovered));
    // The replay flows at the pace the client reads: history's frames, not counted as backlog.
    for (auto& f : att.replay)
        queue(std::move(f), false);
    worker_.fanout().add(att.ch, this, att.after_sequence);
    att.ch->add_connections(1, deflate_);
    subscriptions_.push_back(att.ch.get());
    if (auto* r = worker_.revalidation()) r->track_channel(worker_.index(), key);
}

void ws_connection::leave(hub::channel* ch) {
    if (auto* r = worker_.revalidation()) r->untrack_channel(worker_.index(), ch->name());
    ch->add_connections(-1, deflate_);
    if (worker_.fanout().remove(ch, this)) state_.hub.detach(*ch, &worker_);
}

void ws_connection::on_unsubscribe(const protocol::command& cmd) {
    const std::string key = cmd.channel->str();
    if (!pending_.empty()) cancel_pending(key);
    for (std::size_t i = 0; i < subscriptions_.size(); ++i) {
        if (subscriptions_[i]->name() != key) continue;
        leave(subscriptions_[i]);
        drop(state_.counters.subscriptions);
        subscriptions_[i] = subscriptions_.back();
        subscriptions_.pop_back();
        break;
    }
    send_control("unsubscribed", &key, protocol::subscription_payload(cmd.request_id, {}));
}

void ws_connection::recheck(const auth::directory& dir) {
    if (ended_ || closing_) return;
    auth::lookup_result<auth::principal> found;
    try {
        found = dir.authenticate_digest(kind_, {digest_.data(), digest_.size()});
    } catch (...) {
        found.status = auth::lookup_status::unavailable;
    }
    // A directory that cannot tell leaves open connections as they are; one that no longer knows
    // the credential (or took its scope) ends the connection, as a new connect would be refused.
    if (found.status == auth::lookup_status::unavailable) return;
    if (found.status == auth::lookup_status::not_found) {
        state_.counters.closed_revoked.fetch_add(1);
        log(log_level::info, "credential revoked: closing connection of " + who_.id);
        begin_close(protocol::close_code::unauthorized, "credential revoked");
        return;
    }
    if (!found.value.has(auth::scope_subscribe)) {
        begin_close(protocol::close_code::forbidden, "scope revoked");
        return;
    }
    // A reload that added or moved an expiry applies it now (closing at once if it has passed).
    who_ = std::move(found.value);
    if (close_if_expired()) return;
    for (std::size_t i = subscriptions_.size(); i-- > 0;) {
        hub::channel* ch = subscriptions_[i];
        const auto name = protocol::parse_channel(ch->name());
        auth::decision verdict = auth::decision::unavailable;
        try {
            if (name) verdict = auth::authorize_subscribe(dir, who_, *name);
        } catch (...) {
        }
        if (verdict != auth::decision::forbidden) continue;
        end_revoked_subscription(i);
    }
}

}  // namespace kata::server
