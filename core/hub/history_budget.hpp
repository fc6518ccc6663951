#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace kata::hub {

// The memory held for history over all channels, against `history.max_total_bytes`: one busy
// channel is bounded by its ring, a thousand of them by this. Each change is applied as one signed
// delta while the channel's lock is held, so the total is the sum of what every channel held when
// its lock was last released: it never dips below zero, whatever order publishers run in.
class history_budget {
  public:
    explicit history_budget(std::size_t max_bytes) : max_(max_bytes) {}
    // One channel went from costing `before` to costing `after` (call with its lock held).
    void change(std::size_t before, std::size_t after) {
        if (before != after) {
            used_.fetch_add(static_cast<std::int64_t>(after) - static_cast<std::int64_t>(before),
                            std::memory_order_relaxed);
        }
    }
    std::size_t used() const {
        return static_cast<std::size_t>(
            std::max<std::int64_t>(used_.load(std::memory_order_relaxed), 0));
    }
    std::size_t max() const { return max_; }
    bool over() const { return used() > max_; }
    // Trimming stops a little under the bound, so a busy server trims now and then, not on
    // every publish.
    std::size_t trim_target() const { return max_ - max_ / 10; }

  private:
    const std::size_t max_;
    std::atomic<std::int64_t> used_{0};
};

}  // namespace kata::hub
