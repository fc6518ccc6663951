#include "load/duration_text.hpp"

#include <gtest/gtest.h>

namespace kata::load {
namespace {

using std::chrono::microseconds;

TEST(DurationText, ReadsUnitsAndBareSeconds) {
    EXPECT_EQ(parse_duration_text("10"), microseconds(10'000'000));
    EXPECT_EQ(parse_duration_text("10s"), microseconds(10'000'000));
    EXPECT_EQ(parse_duration_text("1.5s"), microseconds(1'500'000));
    EXPECT_EQ(parse_duration_text("500ms"), microseconds(500'000));
    EXPECT_EQ(parse_duration_text("250us"), microseconds(250));
    EXPECT_EQ(parse_duration_text("2m"), microseconds(120'000'000));
    EXPECT_EQ(parse_duration_text("0"), microseconds(0));
}

TEST(DurationText, RejectsEverythingElse) {
    EXPECT_FALSE(parse_duration_text(""));
    EXPECT_FALSE(parse_duration_text("s"));
    EXPECT_FALSE(parse_duration_text("-1s"));
    EXPECT_FALSE(parse_duration_text("10 s"));
    EXPECT_FALSE(parse_duration_text("10d"));
    EXPECT_FALSE(parse_duration_text("1.2.3s"));
}

}  // namespace
}  // namespace kata::load
