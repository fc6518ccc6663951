#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace kata::client {

// The reconnect delay policy of docs/protocol.md ("Reconnecting client behaviour").
struct backoff_policy {
    std::chrono::milliseconds min_delay{500};    // floor of every delay; also the growth base
    std::chrono::milliseconds max_delay{30000};  // ceiling of every delay
    std::chrono::milliseconds min_uptime{5000};  // a connection this long resets the attempt count
};

// Delay before reconnect attempt `attempt` (0 for the first retry after a connection ends):
//   min(max_delay, min_delay + U(0, min(max_delay, min_delay * 2^attempt)))
// "Full jitter" over an exponentially growing window, so clients that lost the same server spread
// their retries instead of arriving together. `unit_random` is the U(0,1) draw in [0, 1); values
// outside are clamped. Safe for any `attempt` (the doubling saturates at max_delay, no overflow).
std::chrono::milliseconds backoff_delay(const backoff_policy& policy, std::uint32_t attempt,
                                        double unit_random);

// The attempt counter around backoff_delay. Time is passed in (never read from a clock here) and
// randomness is injected, so tests drive it deterministically. Not thread-safe: one per client.
class backoff {
  public:
    using clock = std::chrono::steady_clock;
    // Returns a value in [0, 1); the default draws from a std::mt19937_64 seeded by random_device.
    using random_source = std::function<double()>;

    explicit backoff(backoff_policy policy, random_source random = {});

    // The delay to wait before the next attempt; advances the attempt counter.
    std::chrono::milliseconds next_delay();

    // A connection was established at `now`.
    void connected(clock::time_point now);
    // The connection established last ended at `now`: resets the counter if it stayed up for at
    // least min_uptime, so a flapping server keeps its clients backing off.
    void disconnected(clock::time_point now);

    // The attempt number the next next_delay() will use.
    std::uint32_t attempt() const { return attempt_; }
    const backoff_policy& policy() const { return policy_; }

  private:
    backoff_policy policy_;
    random_source random_;
    std::uint32_t attempt_ = 0;
    std::optional<clock::time_point> connected_at_;
};

}  // namespace kata::client
