#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/hub/hub.hpp"

namespace kata::hub {

// Where one thread's fanout puts a frame: a connection's outbound list.
class delivery_target {
  public:
    virtual ~delivery_target() = default;
    virtual void push_event(const frame& f) = 0;
    // Events of one of its channels were dropped before reaching it (its thread fell behind):
    // it must not go on as if nothing was missed.
    virtual void missed_events() = 0;
};

// One thread's subscriptions: for each channel its threads's connections, each with the last
// sequence it already has (the attach point), so events queued for the thread before a
// connection joined are never delivered to it twice or ahead of its replay. Owned by one thread;
// no locks.
class local_fanout {
  public:
    // Adds `target` to the channel; true when it is the channel's first local member.
    bool add(const std::shared_ptr<channel>& ch, delivery_target* target,
             std::uint64_t after_sequence);
    // Removes `target`; true when the channel has no local member left.
    bool remove(const channel* ch, delivery_target* target);
    // Hands `f` to every member of `ch` that joined before `sequence`; returns how many.
    std::size_t deliver(const channel* ch, std::uint64_t sequence, const frame& f);
    // Tells every member of `ch` that joined before `sequence` (an event up to it was dropped)
    // that it missed events; returns how many.
    std::size_t missed(const channel* ch, std::uint64_t sequence);

    std::size_t member_count(const channel* ch) const;
    std::size_t channel_count() const { return groups_.size(); }

  private:
    struct member {
        delivery_target* target;
        std::uint64_t after_sequence;
    };
    struct group {
        std::shared_ptr<channel> keep;  // the channel outlives its local members
        std::vector<member> members;
    };
    std::unordered_map<const channel*, group> groups_;
};

}  // namespace kata::hub
