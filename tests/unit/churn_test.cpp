// --churn's pure pieces: the cut schedule, the victim pick, the scans of a resume's frames, and
// the accounting of a subscriber that resumed (one tally across its connections).
#include <gtest/gtest.h>

#include <set>

#include "load/accounting.hpp"
#include "load/churn.hpp"
#include "load/report.hpp"
#include "load/threshold.hpp"

namespace kata::load {
namespace {

using namespace std::chrono_literals;

TEST(ChurnSchedule, RateTimesDurationCutsEvenlySpaced) {
    EXPECT_EQ(planned_churns(20, 3000ms), 60u);
    EXPECT_EQ(planned_churns(0.5, 3000ms), 1u);
    EXPECT_EQ(planned_churns(0, 60000ms), 0u);
    EXPECT_EQ(planned_churns(10, 0ms), 0u);
    EXPECT_EQ(churn_offset(20, 1), std::chrono::steady_clock::duration(50ms));
    EXPECT_EQ(churn_offset(20, 60), std::chrono::steady_clock::duration(3s));
    // The last cut is due at the end of the duration at the latest: the run is no longer.
    const auto last = churn_offset(7, planned_churns(7, 3000ms));
    EXPECT_LE(last, std::chrono::steady_clock::duration(3s));
}

TEST(ChurnVictim, NoneEligibleIsNoVictim) {
    std::mt19937_64 rng(1);
    EXPECT_FALSE(pick_victim(
        0, [](std::size_t) { return true; }, rng));
    EXPECT_FALSE(pick_victim(
        100, [](std::size_t) { return false; }, rng));
}

TEST(ChurnVictim, OnlyEligibleIndicesArePicked) {
    std::mt19937_64 rng(2);
    // One eligible index in a thousand: the probes miss, the pass finds it.
    for (int round = 0; round < 20; ++round) {
        EXPECT_EQ(pick_victim(
                      1000, [](std::size_t i) { return i == 737; }, rng),
                  737u);
    }
    std::set<std::size_t> seen;
    for (int round = 0; round < 2000; ++round) {
        const auto v = pick_victim(
            10, [](std::size_t i) { return i % 2 == 0; }, rng);
        ASSERT_TRUE(v);
        EXPECT_EQ(*v % 2, 0u);
        seen.insert(*v);
    }
    EXPECT_EQ(seen, (std::set<std::size_t>{0, 2, 4, 6, 8}));  // every one gets its turn
}

TEST(ChurnScan, RecoveredAnswer) {
    EXPECT_EQ(scan_recovered(R"({"type":"subscribed","channel":"spec:load-0","payload":)"
                             R"({"requestId":"","recovered":true}})"),
              true);
    EXPECT_EQ(scan_recovered(R"({"type":"subscribed","payload":{"recovered": false}})"), false);
    EXPECT_EQ(scan_recovered(R"({"type":"subscribed","payload":{}})"), std::nullopt);
    EXPECT_EQ(scan_recovered(R"({"recovered":"yes"})"), std::nullopt);
}

TEST(ChurnScan, EnvelopeEventId) {
    EXPECT_EQ(scan_event_id(R"({"type":"log_entry","channel":"spec:load-0","eventId":"evt_1_2",)"
                            R"("payload":{"seq":3,"t":4,"pad":"xx"}})"),
              "evt_1_2");
    EXPECT_EQ(scan_event_id(R"({"type":"log_entry","payload":{}})"), "");
    EXPECT_EQ(scan_event_id(R"({"eventId":7})"), "");
}

TEST(ResumedSubscriber, ReplayedEventsAreDeliveredOnceAndRepeatsDuplicated) {
    // One subscriber, 10 events. It got 0..4, was cut (5 and 6 were in flight on the dead
    // connection), resumed with since = 4's id: the replay brings 5..9. A server that replays
    // from too early (4 again) shows as a duplicate, never as a second delivery.
    std::vector<subscriber_tally> tallies(1);
    for (std::uint64_t s = 0; s < 5; ++s)
        tallies[0].record(s);
    EXPECT_EQ(tallies[0].record(4), delivery_kind::duplicated);
    for (std::uint64_t s = 5; s < 10; ++s)
        EXPECT_EQ(tallies[0].record(s), delivery_kind::in_order);
    const auto totals = total_deliveries({10}, {0}, tallies);
    EXPECT_EQ(totals.expected, 10u);
    EXPECT_EQ(totals.delivered, 10u);
    EXPECT_EQ(totals.lost, 0u);
    EXPECT_EQ(totals.duplicated, 1u);
    EXPECT_EQ(totals.reordered, 0u);
}

TEST(ResumedSubscriber, AnUnrecoveredGapIsLost) {
    // recovered:false: no replay, live events only after the resubscribe; the gap stays lost.
    std::vector<subscriber_tally> tallies(1);
    for (std::uint64_t s : {0, 1, 2, 7, 8, 9})
        tallies[0].record(s);
    const auto totals = total_deliveries({10}, {0}, tallies);
    EXPECT_EQ(totals.lost, 4u);
    EXPECT_EQ(totals.reordered, 0u);
}

TEST(ChurnThresholds, CountsOfTheChurnReport) {
    report r;
    r.churned = 60;
    r.unrecovered = 0;
    r.reconnect_failed = 2;
    std::vector<threshold> checks;
    for (const char* text : {"churned>0", "unrecovered==0", "reconnect_failed==0"}) {
        auto parsed = parse_threshold(text);
        ASSERT_TRUE(std::holds_alternative<threshold>(parsed)) << text;
        checks.push_back(std::get<threshold>(parsed));
    }
    const auto results = evaluate_thresholds(checks, r);
    EXPECT_TRUE(results[0].holds);
    EXPECT_EQ(results[0].observed, "60");
    EXPECT_TRUE(results[1].holds);
    EXPECT_FALSE(results[2].holds);
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_threshold("unrecovered<1ms")));
}

}  // namespace
}  // namespace kata::load
