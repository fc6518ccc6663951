#include "core/hub/hub.hpp"

#include <algorithm>
#include <chrono>

#include "core/protocol/envelope.hpp"
#include "core/protocol/timestamp.hpp"

namespace kata::hub {

hub::hub() : epoch_(protocol::random_epoch()) {}

std::shared_ptr<hub::channel_state> hub::find(const std::string& key) const {
    std::shared_lock lock(mutex_);
    const auto it = channels_.find(key);
    return it == channels_.end() ? nullptr : it->second;
}

std::string hub::publish(const protocol::channel_name& channel, std::string_view type,
                         std::string_view payload_json) {
    const std::string key = channel.str();
    const auto state = find(key);
    if (!state) {
        return protocol::event_id{epoch_, next_sequence_.fetch_add(1)}.str();
    }
    std::lock_guard lock(state->mutex);
    // The sequence is taken under the channel lock so that ids on a channel increase in the order
    // subscribers receive them: history and resume rely on that.
    const protocol::event_id id{epoch_, next_sequence_.fetch_add(1)};
    protocol::envelope env;
    env.type = type;
    env.channel = key;
    env.timestamp = protocol::format_timestamp(std::chrono::system_clock::now());
    env.event_id = id.str();
    env.payload_json = payload_json;
    const auto f = std::make_shared<const std::string>(protocol::serialize_envelope(env));
    for (subscriber* sub : state->subscribers) sub->deliver(f);
    return std::move(env.event_id);
}

void hub::subscribe(const protocol::channel_name& channel, subscriber* sub, const ack_builder& ack) {
    const std::string key = channel.str();
    std::unique_lock map_lock(mutex_);
    auto& slot = channels_[key];
    if (!slot) slot = std::make_shared<channel_state>();
    const auto state = slot;
    std::lock_guard lock(state->mutex);
    map_lock.unlock();
    sub->deliver(ack());
    auto& subs = state->subscribers;
    if (std::find(subs.begin(), subs.end(), sub) == subs.end()) subs.push_back(sub);
}

void hub::unsubscribe(const protocol::channel_name& channel, subscriber* sub) {
    const std::string key = channel.str();
    std::unique_lock map_lock(mutex_);
    const auto it = channels_.find(key);
    if (it == channels_.end()) return;
    const auto state = it->second;
    std::lock_guard lock(state->mutex);
    auto& subs = state->subscribers;
    // Swap-and-pop: order among subscribers does not matter, only order among events.
    if (const auto pos = std::find(subs.begin(), subs.end(), sub); pos != subs.end()) {
        *pos = subs.back();
        subs.pop_back();
    }
    if (subs.empty()) channels_.erase(it);
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
