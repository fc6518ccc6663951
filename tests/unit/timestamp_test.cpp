#include "core/protocol/timestamp.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace kata::protocol {
namespace {

using namespace std::chrono;

TEST(Timestamp, UtcWithMillisecondsAndZ) {
    // 2026-02-26T22:00:00Z
    const sys_time<milliseconds> when{milliseconds{1772143200000 + 7}};
    EXPECT_EQ(format_timestamp(when), "2026-02-26T22:00:00.007Z");
}

TEST(Timestamp, Epoch) {
    EXPECT_EQ(format_timestamp(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(Timestamp, SubMillisecondsTruncated) {
    const auto when = system_clock::time_point{} + microseconds{1999};
    EXPECT_EQ(format_timestamp(when), "1970-01-01T00:00:00.001Z");
}

TEST(Timestamp, BeforeEpochHasNonNegativeMilliseconds) {
    const auto when = system_clock::time_point{} - milliseconds{1};
    EXPECT_EQ(format_timestamp(when), "1969-12-31T23:59:59.999Z");
}

TEST(Timestamp, HasFixedLength) {
    EXPECT_EQ(format_timestamp(system_clock::now()).size(), 24u);
}

}  // namespace
}  // namespace kata::protocol
