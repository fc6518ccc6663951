#pragma once
// The instruments behind GET /metrics. Counting must cost next to nothing on the hot path: every
// instrument is a fixed array of relaxed atomics, so a count is one uncontended-by-design atomic
// add, with no lock, no allocation and no map lookup. Labels come from small fixed tables so the
// label set is bounded whatever clients send (never a credential or a channel name).
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kata::server {

using counter = std::atomic<std::uint64_t>;

// KATA_RT_NO_METRICS (CMake -DKATA_RT_METRICS=OFF) compiles the counts away: it exists only to
// measure what they cost.
inline void bump(counter& c, std::uint64_t n = 1) noexcept {
#ifndef KATA_RT_NO_METRICS
    c.fetch_add(n, std::memory_order_relaxed);
#else
    (void)c;
    (void)n;
#endif
}

// The other half of a gauge kept by bump().
inline void drop(counter& c, std::uint64_t n = 1) noexcept {
#ifndef KATA_RT_NO_METRICS
    c.fetch_sub(n, std::memory_order_relaxed);
#else
    (void)c;
    (void)n;
#endif
}

// Latency in seconds with fixed buckets from 100 µs to 2.5 s: wide enough for a loopback publish
// and a stalled consumer alike.
class latency_histogram {
  public:
    static constexpr std::size_t bucket_count = 14;
    static constexpr std::array<std::uint64_t, bucket_count> upper_bounds_ns = {
        100'000,     250'000,     500'000,       1'000'000,    2'500'000,
        5'000'000,   10'000'000,  25'000'000,    50'000'000,   100'000'000,
        250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000};
    // The same bounds as Prometheus `le` label values (seconds).
    static constexpr std::array<std::string_view, bucket_count> upper_bound_labels = {
        "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
        "0.025",  "0.05",    "0.1",    "0.25",  "0.5",    "1",     "2.5"};

    // Per-bucket counts (not cumulative); the last entry is the +Inf overflow.
    struct snapshot {
        std::array<std::uint64_t, bucket_count + 1> buckets{};
        std::uint64_t sum_ns = 0;
    };

    void observe(std::chrono::nanoseconds elapsed) noexcept;
    snapshot read() const noexcept;

  private:
    std::array<counter, bucket_count + 1> buckets_{};
    counter sum_ns_{0};
};

// Close codes worth a label of their own; anything else is counted as "other".
inline constexpr std::array<std::uint16_t, 13> close_code_labels = {
    1000, 1001, 1002, 1006, 1007, 1009, 1011, 4008, 4401, 4403, 4408, 4429, 4503};

// Why a connect or a publish was refused for its credential or origin.
enum class auth_failure : std::uint8_t {
    origin_not_allowed,  // cookie path, HTTP 403
    unauthorized,        // no credential or an unknown one (4401 / HTTP 401)
    missing_scope,       // a known credential without the scope (4403 / HTTP 403)
    auth_unavailable,    // the directory failed (4503 / HTTP 503)
};
inline constexpr std::array<std::string_view, 4> auth_failure_labels = {
    "origin_not_allowed", "unauthorized", "missing_scope", "auth_unavailable"};

// The error envelope codes of the protocol; "other" catches a code added later.
inline constexpr std::array<std::string_view, 9> command_error_labels = {
    "invalid_json",       "invalid_command", "unsupported_frame",
    "invalid_channel",    "forbidden",       "authorization_unavailable",
    "subscription_limit", "rate_limited",    "other"};

// Counters keyed by close code: index close_code_labels.size() is "other".
class close_code_counters {
  public:
    static constexpr std::size_t size = close_code_labels.size() + 1;
    void add(std::uint16_t code) noexcept;
    std::array<std::uint64_t, size> read() const noexcept;

  private:
    std::array<counter, size> values_{};
};

class auth_failure_counters {
  public:
    static constexpr std::size_t size = auth_failure_labels.size();
    void add(auth_failure why) noexcept { bump(values_[static_cast<std::size_t>(why)]); }
    std::array<std::uint64_t, size> read() const noexcept;

  private:
    std::array<counter, size> values_{};
};

class command_error_counters {
  public:
    static constexpr std::size_t size = command_error_labels.size();
    void add(std::string_view code) noexcept;
    std::array<std::uint64_t, size> read() const noexcept;

  private:
    std::array<counter, size> values_{};
};

}  // namespace kata::server
