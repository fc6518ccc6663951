#pragma once
// The order keeper of one open channel on one node: live pub/sub messages go in, events come out
// once each, in sequence order, without gaps. A message that skips sequences (one was missed)
// or starts a new epoch past its first event asks for a fill from the stream; everything later
// is held until the fill answered. What the stream no longer holds cannot be filled: the feed then
// hands on a gap marker before the first event after it, so subscribers are told instead of
// silently missing events. Pure (no I/O): the broker runs the fills and feeds answers in.
#include <deque>
#include <vector>

#include "core/hub/broker.hpp"
#include "core/protocol/event_id.hpp"

namespace kata::redis {

class channel_feed {
  public:
    // Events in order, and gap markers (is_gap()) where events before the next one were lost.
    using events = std::vector<hub::remote_event>;
    static bool is_gap(const hub::remote_event& e) { return e.sequence == 0; }

    // The channel's position when its subscription was confirmed: deliver what comes after it.
    // Messages held before are filtered against it.
    void start(hub::stream_position position, events& out);
    bool started() const { return started_; }

    // A live message, in pub/sub order. Appends what may be delivered now to `out`.
    void on_message(hub::remote_event message, events& out);

    // A fill is needed and none is in flight.
    bool fill_due() const { return started_ && need_fill_ && !filling_; }
    // Marks the fill in flight; query the stream after the returned id.
    protocol::event_id begin_fill();
    // The stream's answer (history after begin_fill()'s id). Unavailable: the fill stays due,
    // and is retried on the next message or after the broker reconnected.
    void on_fill(const hub::history_result& result, events& out);
    // The pub/sub connection was lost: messages may have been missed, so fill once resubscribed.
    void connection_lost();

    hub::stream_position delivered() const { return {epoch_, last_}; }
    std::size_t held() const { return held_.size(); }

  private:
    // Delivers `m` if it is next, drops it if already delivered, asks for a fill if it skips.
    // Returns false when it had to be held (a fill is due).
    bool accept(hub::remote_event& m, events& out);
    void drain(events& out);
    // Hands on the gap marker once, before anything delivered after the loss.
    void tell_loss(events& out);

    bool started_ = false;
    bool need_fill_ = false;
    bool filling_ = false;
    std::uint64_t epoch_ = 0;  // of the last delivered event (or of the start position)
    std::uint64_t last_ = 0;   // its sequence
    // Events may have been lost since the last one delivered: the marker goes out before the
    // next event (a fill that finds a new epoch fills again before delivering anything).
    bool lost_ = false;
    std::deque<hub::remote_event> held_;
};

}  // namespace kata::redis
