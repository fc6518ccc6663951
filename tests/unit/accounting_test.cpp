#include "load/accounting.hpp"

#include <gtest/gtest.h>

namespace kata::load {
namespace {

TEST(SubscriberTally, InOrderDeliveriesAreNeitherDuplicatedNorReordered) {
    subscriber_tally t;
    for (std::uint64_t s = 0; s < 200; ++s)
        EXPECT_EQ(t.record(s), delivery_kind::in_order);
    EXPECT_EQ(t.distinct(), 200u);
    EXPECT_EQ(t.duplicated(), 0u);
    EXPECT_EQ(t.reordered(), 0u);
}

TEST(SubscriberTally, ASecondCopyIsDuplicated) {
    subscriber_tally t;
    t.record(0);
    t.record(1);
    EXPECT_EQ(t.record(1), delivery_kind::duplicated);
    EXPECT_EQ(t.record(0), delivery_kind::duplicated);
    EXPECT_EQ(t.distinct(), 2u);
    EXPECT_EQ(t.duplicated(), 2u);
}

TEST(SubscriberTally, ALateArrivalIsReorderedNotLost) {
    subscriber_tally t;
    t.record(0);
    t.record(2);
    EXPECT_EQ(t.record(1), delivery_kind::reordered);
    EXPECT_EQ(t.distinct(), 3u);
    EXPECT_EQ(t.reordered(), 1u);
    EXPECT_EQ(t.distinct_below(3), 3u);
}

TEST(SubscriberTally, AGapIsNotReordering) {
    subscriber_tally t;
    t.record(0);
    EXPECT_EQ(t.record(5), delivery_kind::in_order);  // 1..4 lost, not out of order
    EXPECT_EQ(t.reordered(), 0u);
    EXPECT_FALSE(t.seen(3));
    EXPECT_TRUE(t.seen(5));
}

TEST(SubscriberTally, DistinctBelowCountsAcrossWords) {
    subscriber_tally t;
    for (std::uint64_t s = 0; s < 300; s += 3)
        t.record(s);
    EXPECT_EQ(t.distinct_below(300), 100u);
    EXPECT_EQ(t.distinct_below(64), 22u);  // 0, 3, ..., 63
    EXPECT_EQ(t.distinct_below(0), 0u);
    EXPECT_EQ(t.distinct_below(10'000), 100u);
}

TEST(DeliveryTotals, ExpectedIsEventsTimesSubscribersOfTheChannel) {
    // Channel 0 got 10 events, channel 1 got 4; subscribers 0 and 2 on channel 0, 1 on channel 1.
    std::vector<subscriber_tally> tallies(3);
    for (std::uint64_t s = 0; s < 10; ++s)
        tallies[0].record(s);
    for (std::uint64_t s = 0; s < 4; ++s)
        tallies[1].record(s);
    for (std::uint64_t s = 0; s < 10; ++s)
        tallies[2].record(s);
    const auto totals = total_deliveries({10, 4}, {0, 1, 0}, tallies);
    EXPECT_EQ(totals.expected, 24u);
    EXPECT_EQ(totals.delivered, 24u);
    EXPECT_EQ(totals.lost, 0u);
}

TEST(DeliveryTotals, MissingDeliveriesAreLostDuplicatesAndReordersCounted) {
    std::vector<subscriber_tally> tallies(2);
    // Subscriber 0: lost 3 and 4, got 1 twice, got 6 before 5.
    for (std::uint64_t s : {0, 1, 1, 2, 6, 5, 7})
        tallies[0].record(s);
    // Subscriber 1 never connected: everything is lost.
    const auto totals = total_deliveries({8}, {0, 0}, tallies);
    EXPECT_EQ(totals.expected, 16u);
    EXPECT_EQ(totals.delivered, 6u);
    EXPECT_EQ(totals.lost, 10u);
    EXPECT_EQ(totals.duplicated, 1u);
    EXPECT_EQ(totals.reordered, 1u);
    EXPECT_EQ(totals.unexpected, 0u);
}

TEST(DeliveryTotals, SequenceNumbersNeverSentAreUnexpectedNotDelivered) {
    std::vector<subscriber_tally> tallies(1);
    tallies[0].record(0);
    tallies[0].record(99);
    const auto totals = total_deliveries({2}, {0}, tallies);
    EXPECT_EQ(totals.delivered, 1u);
    EXPECT_EQ(totals.lost, 1u);
    EXPECT_EQ(totals.unexpected, 1u);
}

}  // namespace
}  // namespace kata::load
