#include "core/hub/hub.hpp"

#include <algorithm>
#include <chrono>
#include <queue>

#include "core/hub/heap_cost.hpp"
#include "core/protocol/deflate/event_frame.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/timestamp.hpp"
#include "core/protocol/ws_frame_writer.hpp"

namespace kata::hub {

hub::hub(settings s)
    : history_limits_(s.history),
      compression_(s.compression),
      epoch_(protocol::random_epoch()),
      budget_(s.max_total_history_bytes) {}

std::shared_ptr<channel> hub::find(const std::string& key) const {
    std::shared_lock lock(mutex_);
    const auto it = channels_.find(key);
    return it == channels_.end() ? nullptr : it->second;
}

std::shared_ptr<channel> hub::find_or_create(const std::string& key) {
    if (auto state = find(key)) return state;
    std::unique_lock lock(mutex_);
    auto& slot = channels_[key];
    if (!slot) slot = std::make_shared<channel>(key, history_limits_);
    return slot;
}

hub::locked_channel hub::lock_live(const std::string& key, bool create) {
    for (;;) {
        locked_channel live;
        live.ch = create ? find_or_create(key) : find(key);
        if (!live.ch) return live;
        live.lock = std::unique_lock(live.ch->mutex_);
        // Retired by sweep() between the lookup and the lock: the lock goes first, then the
        // reference (perhaps the last), and the map has its own channel by now or at the next try.
        if (!live.ch->retired_) return live;
    }
}

std::size_t hub::held_cost(const channel& ch) {
    if (ch.history_.empty()) return 0;
    // The channel (in make_shared's block), its map node and bucket, and its name held twice
    // (the channel's and the map's key) when it does not fit a string's own buffer.
    using node_value = std::pair<const std::string, std::shared_ptr<channel>>;
    constexpr std::size_t fixed = heap_chunk(sizeof(channel) + 2 * sizeof(void*)) +
                                  heap_chunk(sizeof(node_value) + 2 * sizeof(void*)) +
                                  sizeof(void*);
    return fixed + 2 * string_heap(ch.name_.size()) + ch.history_.footprint();
}

bool hub::idle(const channel& ch) {
    return ch.subscribers_.empty() && ch.history_.empty() &&
           ch.remote_ == channel::remote_state::closed && ch.preparing_ == 0;
}

std::string hub::publish(const protocol::channel_name& channel_name, std::string_view type,
                         std::string_view payload_json) {
    if (broker_) return publish_blocking(channel_name, type, payload_json);
    const std::string key = channel_name.str();
    // Without history, an event nobody listens to needs no channel; with it, the event is kept
    // for subscribers that come back.
    auto live = lock_live(key, history_limits_.max_events != 0);
    if (!live.ch) return protocol::event_id{epoch_, next_sequence_.fetch_add(1)}.str();
    channel* const ch = live.ch.get();
    // The sequence is taken under the channel lock so that ids on a channel increase in the order
    // subscribers receive them: history, resume and the replay → live hand-over rely on that.
    const std::uint64_t sequence = next_sequence_.fetch_add(1);
    // One buffer per thread for the envelope's fields and text: the frame is the only allocation
    // that outlives the call, so history does not sit among the holes of temporaries.
    thread_local protocol::envelope env;
    thread_local std::string json;
    env.type = type;
    env.channel = key;
    env.timestamp = protocol::format_timestamp(std::chrono::system_clock::now());
    env.event_id = protocol::event_id{epoch_, sequence}.str();
    env.payload_json = payload_json;
    protocol::serialize_envelope_into(env, json);
    const frame f = event_frame(*ch, json);
    for (subscriber* sub : ch->subscribers_)
        sub->deliver(*ch, sequence, f);
    const auto before = held_cost(*ch);
    ch->history_.push(sequence, f, history_ring::clock::now());
    budget_.change(before, held_cost(*ch));
    live.lock.unlock();
    if (budget_.over()) trim_to_budget();
    if (json.capacity() > 64 * 1024) {  // after an unusually large event
        std::string().swap(json);
        std::string().swap(env.payload_json);
    }
    return env.event_id;
}

frame hub::event_frame(const channel& ch, std::string_view json) {
    bool compressed = false;
    frame f =
        protocol::deflate::event_frame(json, compression_, ch.deflate_count() != 0, &compressed);
    events_framed.fetch_add(1, std::memory_order_relaxed);
    if (compressed) compressions.fetch_add(1, std::memory_order_relaxed);
    return f;
}

void hub::collect_replay(channel& ch, const std::optional<std::string>& since, attachment& out) {
    if (!since) return;
    const auto id = protocol::parse_event_id(*since);
    // An id of another server run (epoch) or not held on this channel cannot be resumed.
    out.recovered =
        id && id->epoch == epoch_ &&
        ch.history_.replay_after(id->sequence, [&](const frame& f) { out.replay.push_back(f); });
    if (!*out.recovered) out.replay.clear();
}

attachment hub::attach(const protocol::channel_name& channel_name, subscriber* sub,
                       const std::optional<std::string>& since) {
    attachment out;
    auto live = lock_live(channel_name.str(), true);
    out.ch = live.ch;
    auto& subs = out.ch->subscribers_;
    if (std::find(subs.begin(), subs.end(), sub) == subs.end()) subs.push_back(sub);
    out.after_sequence = last_sequence();
    collect_replay(*out.ch, since, out);
    return out;
}

void hub::detach(channel& ch, subscriber* sub) {
    std::lock_guard lock(ch.mutex_);
    auto& subs = ch.subscribers_;
    // Swap-and-pop: order among subscribers does not matter, only order among events.
    if (const auto pos = std::find(subs.begin(), subs.end(), sub); pos != subs.end()) {
        *pos = subs.back();
        subs.pop_back();
    }
    if (broker_) close_if_unused(ch);
}

void hub::trim_to_budget() {
    // One trimmer at a time; the others go on publishing.
    if (trimming_.test_and_set()) return;
    using entry = std::pair<history_ring::clock::time_point, std::shared_ptr<channel>>;
    const auto later = [](const entry& a, const entry& b) { return a.first > b.first; };
    std::priority_queue<entry, std::vector<entry>, decltype(later)> oldest(later);
    {
        std::shared_lock lock(mutex_);
        for (const auto& [key, ch] : channels_) {
            std::lock_guard channel_lock(ch->mutex_);
            if (!ch->history_.empty()) oldest.emplace(ch->history_.oldest_at(), ch);
        }
    }
    // Evicts the globally oldest event until under the target: the channel whose front is
    // oldest gives one event, then goes back in the queue with its new front. A channel left
    // without history is retired here rather than at the next sweep: with many small channels
    // the channels themselves are most of what the budget holds.
    std::vector<std::shared_ptr<channel>> emptied;
    while (budget_.used() > budget_.trim_target() && !oldest.empty()) {
        auto ch = oldest.top().second;
        oldest.pop();
        std::lock_guard channel_lock(ch->mutex_);
        if (ch->history_.empty()) continue;
        const auto before = held_cost(*ch);
        ch->history_.drop_oldest();
        budget_.change(before, held_cost(*ch));
        if (!ch->history_.empty()) {
            oldest.emplace(ch->history_.oldest_at(), ch);
        } else {
            channels_evicted.fetch_add(1, std::memory_order_relaxed);
            emptied.push_back(ch);
        }
    }
    retire_idle(emptied);
    trimming_.clear();
}

void hub::retire_idle(const std::vector<std::shared_ptr<channel>>& emptied) {
    if (emptied.empty()) return;
    std::unique_lock lock(mutex_);
    for (const auto& ch : emptied) {
        std::lock_guard channel_lock(ch->mutex_);
        if (ch->retired_ || !idle(*ch)) continue;  // a subscriber or an event came meanwhile
        const auto it = channels_.find(ch->name_);
        if (it == channels_.end() || it->second != ch) continue;
        ch->retired_ = true;
        channels_.erase(it);  // `emptied` holds the last reference, dropped after every lock
    }
}

void hub::sweep(history_ring::clock::time_point now) {
    std::unique_lock lock(mutex_);
    for (auto it = channels_.begin(); it != channels_.end();) {
        auto& ch = *it->second;
        std::unique_lock channel_lock(ch.mutex_, std::try_to_lock);
        if (!channel_lock) {  // busy publishing: certainly not idle
            ++it;
            continue;
        }
        const auto before = held_cost(ch);
        ch.history_.expire(now);
        budget_.change(before, held_cost(ch));
        if (idle(ch)) {
            ch.retired_ = true;
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

std::size_t hub::subscriber_count(const protocol::channel_name& channel_name) const {
    const auto ch = find(channel_name.str());
    return ch ? ch->connection_count() : 0;
}

std::string hub::next_control_id() {
    return "ctl_" + protocol::event_id{epoch_, next_control_.fetch_add(1)}.str().substr(4);
}

}  // namespace kata::hub
