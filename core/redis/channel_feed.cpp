#include "core/redis/channel_feed.hpp"

#include <algorithm>

namespace kata::redis {

void channel_feed::start(hub::stream_position position, events& out) {
    started_ = true;
    epoch_ = position.epoch;
    last_ = position.last_sequence;
    drain(out);
}

void channel_feed::on_message(hub::remote_event message, events& out) {
    if (!started_ || need_fill_ || !held_.empty()) {
        held_.push_back(std::move(message));
        if (started_ && !need_fill_) drain(out);
        return;
    }
    if (!accept(message, out)) held_.push_front(std::move(message));
}

bool channel_feed::accept(hub::remote_event& m, events& out) {
    if (m.epoch != epoch_) {
        // The stream was lost and restarted (or this is the channel's first epoch): deliver the
        // new epoch from its start.
        epoch_ = m.epoch;
        last_ = 0;
    }
    if (m.sequence <= last_) return true;  // a duplicate: already delivered
    if (m.sequence != last_ + 1) {
        need_fill_ = true;
        return false;
    }
    last_ = m.sequence;
    out.push_back(std::move(m));
    return true;
}

void channel_feed::drain(events& out) {
    while (!held_.empty() && !need_fill_) {
        auto m = std::move(held_.front());
        held_.pop_front();
        if (!accept(m, out)) held_.push_front(std::move(m));
    }
}

protocol::event_id channel_feed::begin_fill() {
    filling_ = true;
    return {epoch_, last_};
}

void channel_feed::on_fill(const hub::history_result& result, events& out) {
    filling_ = false;
    if (!result.available) return;  // still due
    const auto now = result.position;
    if (now.epoch == 0) {
        // Redis holds nothing for the channel (flushed, restarted empty or expired): whatever was
        // published after our last event is gone, and nobody can say whether anything was.
        // Held messages of the old epoch predate the loss; a new epoch's are delivered as they
        // come.
        const auto old = epoch_;
        std::erase_if(held_, [old](const hub::remote_event& m) { return m.epoch == old; });
        need_fill_ = false;
        lost_ = lost_ || old != 0;  // a channel that never had an event lost none
        tell_loss(out);
        drain(out);
        return;
    }
    if (now.epoch != epoch_) {
        // A new epoch since we last looked: the old one's tail (if there was an old one) is
        // gone. Fill again from the new epoch's first event. Held messages of other epochs are
        // older than this answer.
        lost_ = lost_ || epoch_ != 0;
        epoch_ = now.epoch;
        last_ = 0;
        std::erase_if(held_, [e = now.epoch](const hub::remote_event& m) { return m.epoch != e; });
        need_fill_ = true;
        return;
    }
    // Only an unbroken run from our last event up to the stream's position fills the gap;
    // anything else (trimmed, expired, or no history kept) cannot be recovered.
    std::uint64_t next = last_ + 1;
    for (const auto& e : result.events) {
        if (e.epoch != epoch_ || e.sequence < next) continue;
        if (e.sequence != next) lost_ = true;
        next = e.sequence + 1;
    }
    if (next <= now.last_sequence) lost_ = true;
    tell_loss(out);
    for (const auto& e : result.events) {
        if (e.epoch != epoch_ || e.sequence <= last_) continue;
        last_ = e.sequence;
        out.push_back(e);
    }
    // Skip to the position read, so the held messages after it are contiguous again.
    last_ = std::max(last_, now.last_sequence);
    need_fill_ = false;
    drain(out);
}

void channel_feed::tell_loss(events& out) {
    if (!lost_) return;
    lost_ = false;
    out.push_back(hub::remote_event{epoch_, 0, {}});
}

void channel_feed::connection_lost() {
    if (started_) need_fill_ = true;
}

}  // namespace kata::redis
