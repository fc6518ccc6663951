#include "core/hub/history_ring.hpp"

#include <algorithm>

#include "core/hub/heap_cost.hpp"

namespace kata::hub {

void history_ring::pop_oldest() {
    bytes_ -= entries_->front().event.footprint();
    last_evicted_ = entries_->front().sequence;
    entries_->pop_front();
    if (entries_->empty()) entries_.reset();
}

void history_ring::push(std::uint64_t sequence, frame f, clock::time_point now) {
    if (limits_.max_events == 0) return;
    if (!entries_) entries_ = std::make_unique<std::deque<entry>>();
    bytes_ += f.footprint();  // both forms, when compressed too
    entries_->push_back({sequence, now, std::move(f)});
    while (size() > limits_.max_events || (bytes_ > limits_.max_bytes && !empty()))
        pop_oldest();
    expire(now);
}

void history_ring::expire(clock::time_point now) {
    while (!empty() && now - entries_->front().at > limits_.ttl)
        pop_oldest();
}

void history_ring::drop_oldest() {
    if (!empty()) pop_oldest();
}

std::size_t history_ring::footprint() const {
    if (!entries_) return 0;
    // libstdc++'s deque: the object, a map of 8 block pointers, and blocks of 512 bytes' worth
    // of entries. Each frame is one allocation of its bytes, its 8-byte header, the allocator's
    // 8 and up to 15 of rounding.
    constexpr std::size_t per_frame = 8 + 8 + 16;
    constexpr std::size_t per_block = std::max<std::size_t>(1, 512 / sizeof(entry));
    constexpr std::size_t block = heap_chunk(per_block * sizeof(entry));
    constexpr std::size_t fixed =
        heap_chunk(sizeof(std::deque<entry>)) + heap_chunk(8 * sizeof(void*));
    const std::size_t blocks = size() / per_block + 1;
    return fixed + blocks * block + bytes_ + size() * per_frame;
}

std::size_t history_ring::find(std::uint64_t sequence) const {
    if (!entries_) return 0;
    const auto it =
        std::lower_bound(entries_->begin(), entries_->end(), sequence,
                         [](const entry& e, std::uint64_t s) { return e.sequence < s; });
    if (it == entries_->end() || it->sequence != sequence) return size();
    return static_cast<std::size_t>(it - entries_->begin());
}

}  // namespace kata::hub
