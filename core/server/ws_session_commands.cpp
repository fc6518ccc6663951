// The command half of ws_session: what the reader does with each text frame.
#include <chrono>

#include "core/auth/authorizer.hpp"
#include "core/protocol/control.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/error_code.hpp"
#include "core/protocol/timestamp.hpp"
#include "core/server/log_limiter.hpp"
#include "core/server/remote_address.hpp"
#include "core/server/ws_session.hpp"

namespace kata::server {

namespace error_code = protocol::error_code;

hub::frame ws_session::control_frame(std::string_view type, const std::string* channel,
                                     std::string payload) {
    protocol::envelope env;
    env.type = type;
    if (channel) env.channel = *channel;
    env.timestamp = protocol::format_timestamp(std::chrono::system_clock::now());
    env.event_id = state_.hub.next_control_id();
    env.payload_json = std::move(payload);
    return std::make_shared<const std::string>(protocol::serialize_envelope(env));
}

void ws_session::send_control(std::string_view type, const std::string* channel,
                              std::string payload) {
    deliver(control_frame(type, channel, std::move(payload)));
}

void ws_session::send_error(std::string_view code, std::string_view message,
                            std::string_view request_id, const std::string* channel) {
    state_.counters.command_errors.add(code);
    send_control("error", channel, protocol::error_payload(code, message, request_id));
}

void ws_session::on_text(std::string_view text) {
    switch (limiter_.on_command(clock::now())) {
        case command_rate_limiter::verdict::allow:
            break;
        case command_rate_limiter::verdict::refuse:
            // Refused before parsing: an abusive client costs as little as possible.
            bump(state_.counters.rate_limited_commands);
            send_error(error_code::rate_limited, "too many commands; slow down", "");
            return;
        case command_rate_limiter::verdict::disconnect:
            state_.counters.closed_rate_limited.fetch_add(1);
            begin_close(protocol::close_code::too_many, "too many commands");
            return;
    }
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

void ws_session::on_subscribe(const protocol::command& cmd) {
    const auto& channel = *cmd.channel;
    const std::string key = channel.str();
    const bool again = subscriptions_.contains(key);
    if (!again && subscriptions_.size() >= state_.config.limits.max_subscriptions) {
        send_error(error_code::subscription_limit, "too many subscriptions on this connection",
                   cmd.request_id, &key);
        return;
    }
    // Authorization is checked on every subscribe, even a repeated one: the directory may have
    // been reloaded since.
    auth::decision verdict = auth::decision::unavailable;
    try {
        verdict = auth::authorize_subscribe(*state_.directory(), who_, channel);
    } catch (...) {
        verdict = auth::decision::unavailable;  // a backend that throws has failed: deny
    }
    if (verdict == auth::decision::forbidden) {
        log_refusal(refusal::channel_denied, remote_address(remote_), who_.id, key, id_);
        send_error(error_code::forbidden, "not allowed to subscribe to this channel",
                   cmd.request_id, &key);
        return;
    }
    if (verdict == auth::decision::unavailable) {
        send_error(error_code::authorization_unavailable,
                   "authorization backend unavailable; try again", cmd.request_id, &key);
        return;
    }
    state_.hub.subscribe(channel, this, cmd.since, [&](std::optional<bool> recovered) {
        if (recovered) state_.counters.count_resume(*recovered);
        return control_frame("subscribed", &key,
                             protocol::subscription_payload(cmd.request_id, recovered));
    });
    if (subscriptions_.emplace(key, channel).second) bump(state_.counters.subscriptions);
}

void ws_session::on_unsubscribe(const protocol::command& cmd) {
    const std::string key = cmd.channel->str();
    if (const auto it = subscriptions_.find(key); it != subscriptions_.end()) {
        state_.hub.unsubscribe(it->second, this);
        subscriptions_.erase(it);
        drop(state_.counters.subscriptions);
    }
    send_control("unsubscribed", &key, protocol::subscription_payload(cmd.request_id, {}));
}

}  // namespace kata::server
