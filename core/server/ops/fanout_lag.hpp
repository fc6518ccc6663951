#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace kata::server {

// How far each worker's fanout is behind: the time its oldest undelivered event was queued.
// Publishing checks it so that past capacity the gateway says "overloaded" (503) instead of
// letting latency grow without bound; events it accepted are never dropped.
class fanout_lag {
  public:
    using clock = std::chrono::steady_clock;
    // Past this, a publish is refused until the workers catch up.
    static constexpr std::chrono::milliseconds limit{2000};

    explicit fanout_lag(unsigned workers)
        : count_(workers), oldest_(std::make_unique<std::atomic<std::int64_t>[]>(workers)) {}

    // Worker `i`: its inbox went from empty to holding events (now), or was drained.
    void queued(unsigned i) { oldest_[i].store(now_ns(), std::memory_order_relaxed); }
    void drained(unsigned i) { oldest_[i].store(0, std::memory_order_relaxed); }

    // The largest lag over the workers.
    std::chrono::nanoseconds worst() const {
        const auto now = now_ns();
        std::int64_t worst = 0;
        for (unsigned i = 0; i < count_; ++i) {
            const auto since = oldest_[i].load(std::memory_order_relaxed);
            if (since != 0 && now - since > worst) worst = now - since;
        }
        return std::chrono::nanoseconds(worst);
    }
    bool overloaded() const { return worst() > limit; }

  private:
    static std::int64_t now_ns() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
            .count();
    }
    const unsigned count_;
    std::unique_ptr<std::atomic<std::int64_t>[]> oldest_;
};

}  // namespace kata::server
