#include "core/hub/local_fanout.hpp"

#include <algorithm>

namespace kata::hub {

bool local_fanout::add(const std::shared_ptr<channel>& ch, delivery_target* target,
                       std::uint64_t after_sequence) {
    auto [it, created] = groups_.try_emplace(ch.get());
    auto& g = it->second;
    if (created) g.keep = ch;
    const auto pos = std::find_if(g.members.begin(), g.members.end(),
                                  [&](const member& m) { return m.target == target; });
    if (pos == g.members.end()) g.members.push_back({target, after_sequence});
    return created;
}

bool local_fanout::remove(const channel* ch, delivery_target* target) {
    const auto it = groups_.find(ch);
    if (it == groups_.end()) return false;
    auto& members = it->second.members;
    const auto pos = std::find_if(members.begin(), members.end(),
                                  [&](const member& m) { return m.target == target; });
    if (pos != members.end()) {
        *pos = members.back();
        members.pop_back();
    }
    if (!members.empty()) return false;
    groups_.erase(it);
    return true;
}

std::size_t local_fanout::deliver(const channel* ch, std::uint64_t sequence, const frame& f) {
    const auto it = groups_.find(ch);
    if (it == groups_.end()) return 0;  // the last member left after the event was queued
    std::size_t n = 0;
    for (const member& m : it->second.members) {
        if (sequence <= m.after_sequence) continue;
        m.target->push_event(f);
        ++n;
    }
    return n;
}

std::size_t local_fanout::missed(const channel* ch, std::uint64_t sequence) {
    const auto it = groups_.find(ch);
    if (it == groups_.end()) return 0;
    std::size_t n = 0;
    for (const member& m : it->second.members) {
        if (sequence <= m.after_sequence) continue;
        m.target->missed_events();
        ++n;
    }
    return n;
}

std::size_t local_fanout::member_count(const channel* ch) const {
    const auto it = groups_.find(ch);
    return it == groups_.end() ? 0 : it->second.members.size();
}

}  // namespace kata::hub
