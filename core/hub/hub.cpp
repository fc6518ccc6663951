#include "core/hub/hub.hpp"

#include <algorithm>
#include <chrono>

#include "core/protocol/envelope.hpp"
#include "core/protocol/timestamp.hpp"

namespace kata::hub {

hub::hub(history_ring::limits history)
    : history_limits_(history), epoch_(protocol::random_epoch()) {}

std::shared_ptr<hub::channel_state> hub::find(const std::string& key) const {
    std::shared_lock lock(mutex_);
    const auto it = channels_.find(key);
    return it == channels_.end() ? nullptr : it->second;
}

std::shared_ptr<hub::channel_state> hub::find_or_create(const std::string& key) {
    if (auto state = find(key)) return state;
    std::unique_lock lock(mutex_);
    auto& slot = channels_[key];
    if (!slot) slot = std::make_shared<channel_state>(history_limits_);
    return slot;
}

std::string hub::publish(const protocol::channel_name& channel, std::string_view type,
                         std::string_view payload_json) {
    const std::string key = channel.str();
    // Without history, an event nobody listens to needs no channel; with it, the event is kept
    // for subscribers that come back.
    std::shared_ptr<channel_state> state;
    std::unique_lock<std::mutex> lock;
    for (;;) {
        state = history_limits_.max_events ? find_or_create(key) : find(key);
        if (!state) return protocol::event_id{epoch_, next_sequence_.fetch_add(1)}.str();
        lock = std::unique_lock(state->mutex);
        if (!state->retired) break;
    }
    // The sequence is taken under the channel lock so that ids on a channel increase in the order
    // subscribers receive them: history and resume rely on that.
    const protocol::event_id id{epoch_, next_sequence_.fetch_add(1)};
    protocol::envelope env;
    env.type = type;
    env.channel = key;
    env.timestamp = protocol::format_timestamp(std::chrono::system_clock::now());
    env.event_id = id.str();
    env.payload_json = payload_json;
    auto f = std::make_shared<const std::string>(protocol::serialize_envelope(env));
    for (subscriber* sub : state->subscribers)
        sub->deliver(f);
    deliveries.fetch_add(state->subscribers.size(), std::memory_order_relaxed);
    state->history.push(id.sequence, std::move(f), history_ring::clock::now());
    return std::move(env.event_id);
}

void hub::subscribe(const protocol::channel_name& channel, subscriber* sub,
                    const std::optional<std::string>& since, const ack_builder& ack) {
    std::shared_ptr<channel_state> state;
    std::unique_lock<std::mutex> lock;
    do {
        state = find_or_create(channel.str());
        lock = std::unique_lock(state->mutex);
    } while (state->retired);
    auto& subs = state->subscribers;
    const bool already = std::find(subs.begin(), subs.end(), sub) != subs.end();
    if (!since) {
        sub->deliver(ack(std::nullopt));
    } else if (already) {
        sub->deliver(ack(true));  // never lapsed: there is no gap to fill
    } else {
        const auto id = protocol::parse_event_id(*since);
        // An id of another server run (epoch) or not held on this channel cannot be resumed.
        std::vector<frame> replay;
        const bool recovered =
            id && id->epoch == epoch_ &&
            state->history.replay_after(id->sequence, [&](const frame& f) { replay.push_back(f); });
        sub->deliver(ack(recovered));
        for (const auto& f : replay)
            sub->deliver(f);
    }
    if (!already) subs.push_back(sub);
}

void hub::unsubscribe(const protocol::channel_name& channel, subscriber* sub) {
    const auto state = find(channel.str());
    if (!state) return;
    std::lock_guard lock(state->mutex);
    auto& subs = state->subscribers;
    // Swap-and-pop: order among subscribers does not matter, only order among events.
    if (const auto pos = std::find(subs.begin(), subs.end(), sub); pos != subs.end()) {
        *pos = subs.back();
        subs.pop_back();
    }
}

void hub::sweep(history_ring::clock::time_point now) {
    std::unique_lock lock(mutex_);
    for (auto it = channels_.begin(); it != channels_.end();) {
        auto& state = *it->second;
        std::unique_lock channel_lock(state.mutex, std::try_to_lock);
        if (!channel_lock) {  // busy publishing: certainly not idle
            ++it;
            continue;
        }
        state.history.expire(now);
        if (state.subscribers.empty() && state.history.empty()) {
            state.retired = true;
            channel_lock.unlock();
            it = channels_.erase(it);
        } else {
            ++it;
        }
    }
}

std::size_t hub::channel_count() const {
    std::shared_lock lock(mutex_);
    return channels_.size();
}

std::size_t hub::subscriber_count(const protocol::channel_name& channel) const {
    const auto state = find(channel.str());
    if (!state) return 0;
    std::lock_guard lock(state->mutex);
    return state->subscribers.size();
}

std::string hub::next_control_id() {
    return "ctl_" + protocol::event_id{epoch_, next_control_.fetch_add(1)}.str().substr(4);
}

}  // namespace kata::hub
