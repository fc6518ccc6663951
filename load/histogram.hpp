#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kata::load {

// A log-linear histogram of non-negative integer values (microseconds here), in the manner of
// HdrHistogram: values below 256 are counted exactly; above, every power-of-two range is split
// into 128 equal buckets, so a reported value is never more than 1/128 (< 0.8 %) above the true
// one. Memory is fixed (~32 KiB) whatever the number of samples, which is what lets a load run
// record every delivery instead of sampling.
class histogram {
  public:
    // Values above this (about 19 hours in microseconds) are recorded as this value.
    static constexpr std::uint64_t max_trackable = (std::uint64_t{1} << 36) - 1;

    histogram();

    void record(std::uint64_t value);
    void merge(const histogram& other);
    void reset();

    std::uint64_t count() const { return count_; }
    std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
    std::uint64_t max() const { return max_; }
    double mean() const;

    // The value at or below which `percent` (0..100) of the samples fall, rounded up to the top
    // of its bucket (and never above max()). 0 when empty.
    std::uint64_t percentile(double percent) const;

    // Bucket layout, public for tests.
    static std::size_t index_of(std::uint64_t value);
    static std::uint64_t highest_equivalent(std::size_t index);

  private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace kata::load
