#include "core/client/subscription_set.hpp"

namespace kata::client {

bool subscription_set::add(const protocol::channel_name& channel,
                           std::shared_ptr<event_handler> handler) {
    auto name = channel.str();
    if (const auto it = entries_.find(name); it != entries_.end()) {
        it->second.handler = std::move(handler);
        return false;
    }
    entries_.emplace(std::move(name),
                     entry{channel, std::move(handler), {}, dedupe_window{dedupe_capacity_}});
    return true;
}

bool subscription_set::remove(const protocol::channel_name& channel) {
    return entries_.erase(channel.str()) > 0;
}

bool subscription_set::contains(std::string_view channel) const {
    return entries_.find(channel) != entries_.end();
}

protocol::command subscription_set::command_for(const entry& e) {
    return protocol::command{protocol::command_type::subscribe, e.channel, {}, e.last_event_id};
}

std::optional<protocol::command> subscription_set::subscribe_command(
    std::string_view channel) const {
    const auto it = entries_.find(channel);
    if (it == entries_.end()) return std::nullopt;
    return command_for(it->second);
}

std::vector<protocol::command> subscription_set::resubscribe_commands() const {
    std::vector<protocol::command> out;
    out.reserve(entries_.size());
    for (const auto& [name, e] : entries_)
        out.push_back(command_for(e));
    return out;
}

std::shared_ptr<event_handler> subscription_set::route(const protocol::envelope& env) {
    if (!env.channel) return nullptr;
    const auto it = entries_.find(*env.channel);
    if (it == entries_.end()) return nullptr;  // in flight when the channel was unsubscribed
    auto& e = it->second;
    if (!e.seen.insert(env.event_id)) return nullptr;  // replayed after a resubscribe
    e.last_event_id = env.event_id;
    return e.handler;
}

}  // namespace kata::client
