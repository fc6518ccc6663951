#include "load/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace kata::load {
namespace {

// 2^8 linear buckets for the first range; each later power of two gets the upper half (128),
// because its lower half is already covered by the previous range at a finer step.
constexpr unsigned sub_bucket_bits = 8;
constexpr std::uint64_t sub_bucket_count = std::uint64_t{1} << sub_bucket_bits;  // 256
constexpr std::uint64_t half_count = sub_bucket_count / 2;                       // 128

constexpr std::size_t bucket_total() {
    const unsigned max_shift = std::bit_width(histogram::max_trackable) - sub_bucket_bits;
    return sub_bucket_count + max_shift * half_count;
}

}  // namespace

histogram::histogram() : counts_(bucket_total(), 0) {}

std::size_t histogram::index_of(std::uint64_t value) {
    value = std::min(value, max_trackable);
    if (value < sub_bucket_count) return static_cast<std::size_t>(value);
    const unsigned shift = std::bit_width(value) - sub_bucket_bits;  // >= 1
    const std::uint64_t sub = value >> shift;                        // in [128, 256)
    return static_cast<std::size_t>(sub_bucket_count + (shift - 1) * half_count +
                                    (sub - half_count));
}

std::uint64_t histogram::highest_equivalent(std::size_t index) {
    if (index < sub_bucket_count) return index;
    const std::size_t rest = index - sub_bucket_count;
    const unsigned shift = static_cast<unsigned>(rest / half_count) + 1;
    const std::uint64_t sub = rest % half_count + half_count;
    return ((sub + 1) << shift) - 1;
}

void histogram::record(std::uint64_t value) {
    value = std::min(value, max_trackable);
    ++counts_[index_of(value)];
    if (count_ == 0 || value < min_) min_ = value;
    max_ = std::max(max_, value);
    ++count_;
    sum_ += static_cast<long double>(value);
}

void histogram::merge(const histogram& other) {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < counts_.size(); ++i)
        counts_[i] += other.counts_[i];
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    count_ += other.count_;
    sum_ += other.sum_;
}

void histogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = 0;
    min_ = 0;
    max_ = 0;
    sum_ = 0;
}

double histogram::mean() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t histogram::percentile(double percent) const {
    if (count_ == 0) return 0;
    percent = std::clamp(percent, 0.0, 100.0);
    // The rank of the sample, 1-based, as "nearest rank" defines it; rank 1 at 0 %. The epsilon
    // keeps 99.9 % of 1000 at rank 999 despite 0.999 not being exact in binary.
    const long double exact = static_cast<long double>(percent) / 100 * count_;
    auto rank = static_cast<std::uint64_t>(std::ceil(exact - 1e-9L));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::clamp(highest_equivalent(i), min_, max_);
    }
    return max_;
}

}  // namespace kata::load
