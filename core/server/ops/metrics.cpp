#include "core/server/ops/metrics.hpp"

#include <algorithm>

namespace kata::server {
namespace {

template <std::size_t N>
std::array<std::uint64_t, N> load_all(const std::array<counter, N>& values) {
    std::array<std::uint64_t, N> out{};
    for (std::size_t i = 0; i < N; ++i)
        out[i] = values[i].load(std::memory_order_relaxed);
    return out;
}

}  // namespace

void latency_histogram::observe(std::chrono::nanoseconds elapsed) noexcept {
#ifdef KATA_RT_NO_METRICS
    return;
#endif
    const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(0, elapsed.count()));
    // Fourteen compares over one cache line beat a binary search at this size.
    std::size_t i = 0;
    while (i < bucket_count && ns > upper_bounds_ns[i])
        ++i;
    bump(buckets_[i]);
    bump(sum_ns_, ns);
}

latency_histogram::snapshot latency_histogram::read() const noexcept {
    return {load_all(buckets_), sum_ns_.load(std::memory_order_relaxed)};
}

void close_code_counters::add(std::uint16_t code) noexcept {
    const auto* it = std::find(close_code_labels.begin(), close_code_labels.end(), code);
    bump(values_[static_cast<std::size_t>(it - close_code_labels.begin())]);
}

std::array<std::uint64_t, close_code_counters::size> close_code_counters::read() const noexcept {
    return load_all(values_);
}

std::array<std::uint64_t, auth_failure_counters::size> auth_failure_counters::read()
    const noexcept {
    return load_all(values_);
}

void command_error_counters::add(std::string_view code) noexcept {
    const auto* it = std::find(command_error_labels.begin(), command_error_labels.end() - 1, code);
    bump(values_[static_cast<std::size_t>(it - command_error_labels.begin())]);
}

std::array<std::uint64_t, command_error_counters::size> command_error_counters::read()
    const noexcept {
    return load_all(values_);
}

}  // namespace kata::server
