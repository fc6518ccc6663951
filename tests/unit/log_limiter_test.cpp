#include "core/server/ops/log_limiter.hpp"

#include <gtest/gtest.h>

namespace kata::server {
namespace {

using namespace std::chrono_literals;
using clock = log_limiter::clock;

TEST(LogLimiter, LetsThroughNPerSecondPerReasonThenReportsTheSuppressed) {
    log_limiter limiter(3);
    const auto t0 = clock::time_point{} + 100s;
    int emitted = 0;
    for (int i = 0; i < 10; ++i) {
        const auto v = limiter.on_event(0, t0 + std::chrono::milliseconds(i));
        EXPECT_EQ(v.suppressed, 0u);
        emitted += v.emit ? 1 : 0;
    }
    EXPECT_EQ(emitted, 3);
    // Another reason has its own budget.
    EXPECT_TRUE(limiter.on_event(1, t0 + 5ms).emit);
    // Next window: the first line carries the count of the previous one.
    const auto v = limiter.on_event(0, t0 + 1s);
    EXPECT_TRUE(v.emit);
    EXPECT_EQ(v.suppressed, 7u);
    EXPECT_EQ(limiter.on_event(0, t0 + 1s + 1ms).suppressed, 0u) << "reported once";
}

TEST(LogLimiter, TakeSuppressedReportsAFloodThatStopped) {
    log_limiter limiter(1);
    const auto t0 = clock::time_point{} + 100s;
    limiter.on_event(2, t0);
    limiter.on_event(2, t0 + 1ms);
    limiter.on_event(2, t0 + 2ms);
    EXPECT_EQ(limiter.take_suppressed(2, t0 + 500ms), 0u) << "the window is still open";
    EXPECT_EQ(limiter.take_suppressed(2, t0 + 1s), 2u);
    EXPECT_EQ(limiter.take_suppressed(2, t0 + 2s), 0u);
}

TEST(LogLimiter, RefusalNamesAndCodesAreBounded) {
    EXPECT_EQ(refusal_name(refusal::unauthorized), "unauthorized");
    EXPECT_EQ(refusal_code(refusal::unauthorized), 4401);
    EXPECT_EQ(refusal_code(refusal::origin_not_allowed), 403);
    EXPECT_EQ(refusal_code(refusal::message_too_big), 1009);
    EXPECT_EQ(refusal_name(refusal::channel_denied), "channel_denied");
}

}  // namespace
}  // namespace kata::server
