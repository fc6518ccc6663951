#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

#include "core/hub/subscriber.hpp"

namespace kata::hub {

// One channel's recent events, oldest first, bounded by count, bytes and age. Pure: the caller
// passes the time, so tests drive it without a clock.
class history_ring {
  public:
    using clock = std::chrono::steady_clock;

    struct limits {
        std::size_t max_events = 1000;
        std::size_t max_bytes = 4 * 1024 * 1024;
        std::chrono::milliseconds ttl{300000};
    };

    explicit history_ring(limits l) : limits_(l) {}

    // Appends an event; `sequence` must increase from one call to the next.
    void push(std::uint64_t sequence, frame f, clock::time_point now);

    // Drops events older than the ttl.
    void expire(clock::time_point now);
    // Drops the oldest event (the global history budget is over).
    void drop_oldest();
    // When the oldest held event was stored; only valid when not empty().
    clock::time_point oldest_at() const { return entries_->front().at; }

    // Calls `emit(frame)` for every held event after `since`, oldest first, and returns true,
    // when the ring can vouch that nothing after `since` is missing: `since` is held, or it is
    // exactly the last event evicted. Otherwise (too old, unknown, another channel's id) emits
    // nothing and returns false.
    template <class Emit>
    bool replay_after(std::uint64_t since, Emit&& emit) const {
        std::size_t start = 0;
        if (since != last_evicted_ || since == 0) {
            const auto pos = find(since);
            if (pos == size()) return false;
            start = pos + 1;
        }
        for (std::size_t i = start; i < size(); ++i)
            emit((*entries_)[i].event);
        return true;
    }

    bool empty() const { return size() == 0; }
    std::size_t size() const { return entries_ ? entries_->size() : 0; }
    std::size_t bytes() const { return bytes_; }
    // The heap the ring holds: its events' frames and slots and, while it holds any, the deque's
    // own blocks. Zero when empty (the deque is freed with the last event).
    std::size_t footprint() const;

  private:
    struct entry {
        std::uint64_t sequence;
        clock::time_point at;
        frame event;
    };
    std::size_t find(std::uint64_t sequence) const;  // index, or size()
    void pop_oldest();

    limits limits_;
    // Allocated on the first event and freed when the last one leaves: an empty std::deque still
    // costs ~600 bytes, and a server with many quiet channels has many empty histories.
    std::unique_ptr<std::deque<entry>> entries_;
    std::size_t bytes_ = 0;
    std::uint64_t last_evicted_ = 0;  // sequences start at 1, so 0 matches nothing
};

}  // namespace kata::hub
