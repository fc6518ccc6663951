#include "core/client/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>

namespace kata::client {

std::chrono::milliseconds backoff_delay(const backoff_policy& policy, std::uint32_t attempt,
                                        double unit_random) {
    using std::chrono::milliseconds;
    const std::int64_t min_ms = std::max<std::int64_t>(0, policy.min_delay.count());
    const std::int64_t max_ms = std::max<std::int64_t>(min_ms, policy.max_delay.count());

    // min(max_delay, min_delay * 2^attempt), doubling step by step so it saturates at max_ms
    // before any multiplication could overflow.
    std::int64_t window = min_ms;
    for (std::uint32_t i = 0; i < attempt && window < max_ms; ++i) {
        window = window > max_ms / 2 ? max_ms : window * 2;
    }
    window = std::min(window, max_ms);

    // NaN fails both comparisons, so it lands on 0 like any other out-of-range draw.
    double u = unit_random;
    if (!(u >= 0.0)) u = 0.0;
    if (!(u < 1.0)) u = std::nextafter(1.0, 0.0);
    const auto jitter = static_cast<std::int64_t>(std::floor(u * static_cast<double>(window)));
    // Compared before adding, so min_ms + jitter cannot overflow even for a max_delay near the
    // type's limit (where the double product may also round up past the window).
    if (jitter >= max_ms - min_ms) return milliseconds{max_ms};
    return milliseconds{min_ms + jitter};
}

namespace {

backoff::random_source default_random() {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

backoff::backoff(backoff_policy policy, random_source random)
    : policy_(policy), random_(random ? std::move(random) : default_random()) {}

std::chrono::milliseconds backoff::next_delay() {
    const auto delay = backoff_delay(policy_, attempt_, random_());
    if (attempt_ < std::numeric_limits<std::uint32_t>::max()) ++attempt_;
    return delay;
}

void backoff::connected(clock::time_point now) {
    connected_at_ = now;
}

void backoff::disconnected(clock::time_point now) {
    if (connected_at_ && now - *connected_at_ >= policy_.min_uptime) attempt_ = 0;
    connected_at_.reset();
}

}  // namespace kata::client
