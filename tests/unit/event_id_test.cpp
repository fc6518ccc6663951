#include "core/protocol/event_id.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace kata::protocol {
namespace {

TEST(EventId, FormatIsPrefixHexEpochAndDecimalSequence) {
    EXPECT_EQ((event_id{0xabc, 42}).str(), "evt_0000000000000abc_42");
}

TEST(EventId, EveryHexDigitOfTheEpochAndTheLargestSequence) {
    EXPECT_EQ((event_id{0xfedcba9876543210, 18446744073709551615u}).str(),
              "evt_fedcba9876543210_18446744073709551615");
}

TEST(EventId, RoundTrips) {
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    for (const event_id id :
         {event_id{1, 0}, event_id{0xdeadbeefcafef00d, 7}, event_id{max, max}}) {
        const auto parsed = parse_event_id(id.str());
        ASSERT_TRUE(parsed) << id.str();
        EXPECT_EQ(*parsed, id);
    }
}

TEST(EventId, RefusesMalformed) {
    for (const char* text : {
             "",
             "evt_",
             "evt_0000000000000abc",                       // no sequence
             "evt_0000000000000abc_",                      // empty sequence
             "evt_0000000000000ABC_1",                     // uppercase hex
             "evt_000000000000abc_1",                      // 15-digit epoch
             "evt_00000000000000abc_1",                    // 17-digit epoch
             "evx_0000000000000abc_1",                     // wrong prefix
             "evt_0000000000000abc-1",                     // wrong separator
             "evt_0000000000000abc_1a",                    // non-decimal sequence
             "evt_0000000000000abc_-1",                    // signed sequence
             "evt_0000000000000abc_18446744073709551616",  // overflows 64 bits
             "evt_000000000000+abc_1",
         }) {
        EXPECT_FALSE(parse_event_id(text)) << text;
    }
}

TEST(EventId, SequenceWithLeadingZeroRefused) {
    EXPECT_FALSE(parse_event_id("evt_0000000000000abc_01"));
    EXPECT_FALSE(parse_event_id("evt_0000000000000abc_00"));
    EXPECT_TRUE(parse_event_id("evt_0000000000000abc_0"));
}

TEST(EventId, RandomEpochIsNonZero) {
    EXPECT_NE(random_epoch(), 0u);
}

}  // namespace
}  // namespace kata::protocol
