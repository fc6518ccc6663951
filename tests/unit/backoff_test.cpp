#include "core/client/backoff.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace kata::client {
namespace {

using std::chrono::milliseconds;
using clock = backoff::clock;

const backoff_policy defaults{};  // 500 ms, 30 s, 5 s

// The largest draw below 1, the top of U(0,1).
const double top = std::nextafter(1.0, 0.0);

struct delay_case {
    std::uint32_t attempt;
    double draw;
    milliseconds expected;
};

TEST(BackoffDelay, FollowsTheFullJitterFormulaWithDefaults) {
    // min(30000, 500 + floor(draw * min(30000, 500 * 2^n)))
    const std::vector<delay_case> table{
        {0, 0.0, milliseconds{500}},
        {0, 0.5, milliseconds{750}},
        {0, top, milliseconds{999}},
        {1, 0.0, milliseconds{500}},
        {1, 0.5, milliseconds{1000}},
        {1, top, milliseconds{1499}},
        {2, 0.5, milliseconds{1500}},
        {3, 0.5, milliseconds{2500}},
        {4, 0.5, milliseconds{4500}},
        {5, 0.5, milliseconds{8500}},
        {5, top, milliseconds{16499}},
        {6, 0.0, milliseconds{500}},
        // 500 * 2^6 = 32000: the window is capped at max_delay from here on.
        {6, 0.5, milliseconds{15500}},
        {6, top, milliseconds{30000}},
        {7, 0.5, milliseconds{15500}},
        {20, 0.25, milliseconds{8000}},
    };
    for (const auto& c : table) {
        EXPECT_EQ(backoff_delay(defaults, c.attempt, c.draw), c.expected)
            << "attempt " << c.attempt << " draw " << c.draw;
    }
}

TEST(BackoffDelay, WindowDoublesPerAttemptUntilTheCap) {
    // With the top draw the delay is min_delay + window - 1: the window's growth made visible.
    std::int64_t window = 500;
    for (std::uint32_t n = 0; n < 6; ++n) {
        EXPECT_EQ(backoff_delay(defaults, n, top).count(), 500 + window - 1) << "attempt " << n;
        window *= 2;
    }
}

TEST(BackoffDelay, StaysWithinMinAndMaxForEveryAttemptAndDraw) {
    const std::vector<double> draws{0.0, 1e-9, 0.1, 0.33, 0.5, 0.77, 0.999, top};
    for (std::uint32_t n = 0; n < 80; ++n) {
        for (double u : draws) {
            const auto d = backoff_delay(defaults, n, u);
            EXPECT_GE(d, defaults.min_delay) << n << " " << u;
            EXPECT_LE(d, defaults.max_delay) << n << " " << u;
        }
    }
}

TEST(BackoffDelay, HugeAttemptNumbersDoNotOverflow) {
    const auto max_attempt = std::numeric_limits<std::uint32_t>::max();
    EXPECT_EQ(backoff_delay(defaults, max_attempt, 0.5), milliseconds{15500});
    EXPECT_EQ(backoff_delay(defaults, max_attempt, top), milliseconds{30000});
    EXPECT_EQ(backoff_delay(defaults, 64, 0.5), milliseconds{15500});

    // A huge max_delay: the doubling still saturates instead of wrapping around.
    const backoff_policy wide{milliseconds{1000},
                              milliseconds{std::numeric_limits<std::int64_t>::max() / 2},
                              milliseconds{5000}};
    const auto d = backoff_delay(wide, 200, 0.5);
    EXPECT_GT(d, milliseconds{1000});
    EXPECT_LE(d, wide.max_delay);
}

TEST(BackoffDelay, MaxDelayAtTheTypeLimitDoesNotOverflow) {
    const backoff_policy limit{milliseconds{1000}, milliseconds::max(), milliseconds{5000}};
    // The top draw lands within double precision of the limit, never past it.
    const auto d = backoff_delay(limit, 1000, top);
    EXPECT_LE(d, milliseconds::max());
    EXPECT_GT(d, milliseconds::max() / 2);
    EXPECT_EQ(backoff_delay(limit, 0, top), milliseconds{1999});
}

TEST(BackoffDelay, OutOfRangeDrawsAreClamped) {
    EXPECT_EQ(backoff_delay(defaults, 0, -1.0), milliseconds{500});
    EXPECT_EQ(backoff_delay(defaults, 0, std::nan("")), milliseconds{500});
    EXPECT_EQ(backoff_delay(defaults, 0, 1.0), milliseconds{999});
    EXPECT_EQ(backoff_delay(defaults, 0, 7.0), milliseconds{999});
}

TEST(BackoffDelay, MinAboveMaxIsTreatedAsMax) {
    const backoff_policy odd{milliseconds{5000}, milliseconds{1000}, milliseconds{0}};
    EXPECT_EQ(backoff_delay(odd, 3, 0.5), milliseconds{5000});
}

TEST(BackoffDelay, ZeroMinDelayGivesZero) {
    const backoff_policy none{milliseconds{0}, milliseconds{1000}, milliseconds{0}};
    EXPECT_EQ(backoff_delay(none, 10, 0.9), milliseconds{0});
}

backoff fixed(double draw) {
    return backoff{defaults, [draw] { return draw; }};
}

TEST(Backoff, AttemptCounterGrowsWithEachDelay) {
    auto b = fixed(0.5);
    std::vector<milliseconds> got;
    for (int i = 0; i < 8; ++i)
        got.push_back(b.next_delay());
    const std::vector<milliseconds> want{
        milliseconds{750},  milliseconds{1000}, milliseconds{1500},  milliseconds{2500},
        milliseconds{4500}, milliseconds{8500}, milliseconds{15500}, milliseconds{15500}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(b.attempt(), 8u);
}

TEST(Backoff, UsesTheInjectedRandomSourceInOrder) {
    std::vector<double> draws{0.0, top, 0.5};
    std::size_t i = 0;
    backoff b{defaults, [&] { return draws[i++]; }};
    EXPECT_EQ(b.next_delay(), milliseconds{500});
    EXPECT_EQ(b.next_delay(), milliseconds{1499});
    EXPECT_EQ(b.next_delay(), milliseconds{1500});
}

TEST(Backoff, ResetsAfterAConnectionThatLastedMinUptime) {
    auto b = fixed(0.5);
    b.next_delay();
    b.next_delay();
    b.next_delay();
    const auto t0 = clock::time_point{} + std::chrono::hours{1};
    b.connected(t0);
    b.disconnected(t0 + milliseconds{5000});
    EXPECT_EQ(b.attempt(), 0u);
    EXPECT_EQ(b.next_delay(), milliseconds{750});
}

TEST(Backoff, KeepsGrowingWhenConnectionsAreShorterThanMinUptime) {
    auto b = fixed(0.5);
    const auto t0 = clock::time_point{} + std::chrono::hours{1};
    for (std::uint32_t i = 0; i < 4; ++i) {
        b.next_delay();
        b.connected(t0);
        b.disconnected(t0 + milliseconds{4999});  // a flapping server: up, then down again
    }
    EXPECT_EQ(b.attempt(), 4u);
    EXPECT_EQ(b.next_delay(), milliseconds{4500});
}

TEST(Backoff, FailedAttemptsWithoutAConnectionNeverReset) {
    auto b = fixed(0.5);
    b.next_delay();
    b.next_delay();
    // No connected(): a disconnect (connect refused) must not count as uptime.
    b.disconnected(clock::time_point{} + std::chrono::hours{10});
    EXPECT_EQ(b.attempt(), 2u);
}

TEST(Backoff, UptimeIsMeasuredFromTheLatestConnection) {
    auto b = fixed(0.5);
    b.next_delay();
    const auto t0 = clock::time_point{} + std::chrono::hours{1};
    b.connected(t0);
    b.disconnected(t0 + milliseconds{100});
    b.next_delay();
    b.connected(t0 + milliseconds{6000});
    b.disconnected(t0 + milliseconds{7000});  // 1 s up, though 7 s since the first connect
    EXPECT_EQ(b.attempt(), 2u);
}

TEST(Backoff, DefaultRandomSourceStaysInBounds) {
    backoff b{defaults};
    for (int i = 0; i < 50; ++i) {
        const auto d = b.next_delay();
        EXPECT_GE(d, defaults.min_delay);
        EXPECT_LE(d, defaults.max_delay);
    }
}

}  // namespace
}  // namespace kata::client
