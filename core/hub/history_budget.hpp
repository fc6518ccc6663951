#pragma once
#include <atomic>
#include <cstddef>

namespace kata::hub {

// The bytes of history held over all channels, against `history.max_total_bytes`: one busy
// channel is bounded by its ring, a thousand of them by this.
class history_budget {
  public:
    explicit history_budget(std::size_t max_bytes) : max_(max_bytes) {}
    void add(std::size_t n) { used_.fetch_add(n, std::memory_order_relaxed); }
    void sub(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
    std::size_t used() const { return used_.load(std::memory_order_relaxed); }
    std::size_t max() const { return max_; }
    bool over() const { return used() > max_; }
    // Trimming stops a little under the bound, so a busy server trims now and then, not on
    // every publish.
    std::size_t trim_target() const { return max_ - max_ / 10; }

  private:
    const std::size_t max_;
    std::atomic<std::size_t> used_{0};
};

}  // namespace kata::hub
