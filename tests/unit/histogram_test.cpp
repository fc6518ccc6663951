#include "load/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace kata::load {
namespace {

// The nearest-rank percentile of sorted samples: what the histogram must approximate.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double percent) {
    auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * sorted.size() - 1e-9));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

void expect_within_one_percent(const std::vector<std::uint64_t>& samples) {
    histogram h;
    for (auto v : samples)
        h.record(v);
    auto sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    for (double p : {0.0, 1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        const auto truth = exact_percentile(sorted, p);
        const auto got = h.percentile(p);
        EXPECT_GE(got, truth) << "p" << p;
        EXPECT_LE(static_cast<double>(got), static_cast<double>(truth) * 1.01 + 1) << "p" << p;
    }
    EXPECT_EQ(h.count(), samples.size());
    EXPECT_EQ(h.max(), sorted.back());
    EXPECT_EQ(h.min(), sorted.front());
}

TEST(Histogram, EmptyReportsZero) {
    histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.percentile(99), 0u);
    EXPECT_EQ(h.max(), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
    histogram h;
    for (std::uint64_t v = 0; v < 256; ++v)
        h.record(v);
    EXPECT_EQ(h.percentile(50), 127u);
    EXPECT_EQ(h.percentile(100), 255u);
    EXPECT_EQ(h.percentile(0), 0u);
}

TEST(Histogram, UniformSamplesMatchSortedWithinOnePercent) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::uint64_t> dist(0, 2'000'000);
    std::vector<std::uint64_t> samples(100'000);
    for (auto& v : samples)
        v = dist(rng);
    expect_within_one_percent(samples);
}

TEST(Histogram, LongTailSamplesMatchSortedWithinOnePercent) {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(7.0, 2.0);  // median ~1 ms, tail to seconds
    std::vector<std::uint64_t> samples(50'000);
    for (auto& v : samples)
        v = static_cast<std::uint64_t>(dist(rng));
    expect_within_one_percent(samples);
}

TEST(Histogram, HoursFitWithinOnePercent) {
    const std::vector<std::uint64_t> samples{1, 3'600'000'000ULL, 7'200'000'000ULL, 500};
    expect_within_one_percent(samples);
}

TEST(Histogram, ValuesAboveTheRangeAreClamped) {
    histogram h;
    h.record(~std::uint64_t{0});
    EXPECT_EQ(h.max(), histogram::max_trackable);
    EXPECT_EQ(h.percentile(100), histogram::max_trackable);
}

TEST(Histogram, BucketBoundsNeverExceedOnePercent) {
    for (std::uint64_t v = 1; v < histogram::max_trackable; v = v * 3 / 2 + 1) {
        const auto top = histogram::highest_equivalent(histogram::index_of(v));
        EXPECT_GE(top, v);
        EXPECT_LE(static_cast<double>(top - v), static_cast<double>(v) * 0.01) << v;
    }
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
    histogram a, b, all;
    for (std::uint64_t v = 0; v < 10'000; v += 7) {
        (v % 2 == 0 ? a : b).record(v * 13);
        all.record(v * 13);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.max(), all.max());
    EXPECT_EQ(a.min(), all.min());
    for (double p : {50.0, 99.0, 99.9})
        EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST(Histogram, MergeIntoEmptyTakesTheOthersMin) {
    histogram a, b;
    b.record(500);
    a.merge(b);
    EXPECT_EQ(a.min(), 500u);
    EXPECT_EQ(a.count(), 1u);
}

}  // namespace
}  // namespace kata::load
