#include "core/redis/channel_feed.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace kata::redis {
namespace {

constexpr std::uint64_t E1 = 0x1111, E2 = 0x2222;

hub::remote_event ev(std::uint64_t epoch, std::uint64_t seq) {
    return {epoch, seq, "e" + std::to_string(seq)};
}

std::vector<std::uint64_t> seqs(const channel_feed::events& out) {
    std::vector<std::uint64_t> s;
    for (const auto& e : out)
        s.push_back(e.sequence);
    return s;
}

hub::history_result stream(std::uint64_t epoch, std::uint64_t last,
                           std::vector<std::uint64_t> kept) {
    hub::history_result r;
    r.available = true;
    r.position = {epoch, last};
    for (auto s : kept)
        r.events.push_back(ev(epoch, s));
    r.complete = true;
    return r;
}

TEST(ChannelFeed, DeliversInOrderAndDropsDuplicates) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 3}, out);
    f.on_message(ev(E1, 3), out);
    f.on_message(ev(E1, 4), out);
    f.on_message(ev(E1, 4), out);
    f.on_message(ev(E1, 5), out);
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{4, 5}));
    EXPECT_FALSE(f.fill_due());
}

TEST(ChannelFeed, HoldsMessagesUntilThePositionIsKnown) {
    channel_feed f;
    channel_feed::events out;
    f.on_message(ev(E1, 5), out);
    f.on_message(ev(E1, 6), out);
    EXPECT_TRUE(out.empty());
    f.start({E1, 5}, out);
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{6}));
}

TEST(ChannelFeed, AGapIsFilledFromTheStreamBeforeAnythingLater) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 1}, out);
    f.on_message(ev(E1, 4), out);
    f.on_message(ev(E1, 5), out);
    EXPECT_TRUE(out.empty());
    ASSERT_TRUE(f.fill_due());
    EXPECT_EQ(f.begin_fill(), (protocol::event_id{E1, 1}));
    EXPECT_FALSE(f.fill_due());
    f.on_message(ev(E1, 6), out);
    f.on_fill(stream(E1, 5, {2, 3, 4, 5}), out);
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{2, 3, 4, 5, 6}));
    EXPECT_EQ(f.held(), 0u);
}

TEST(ChannelFeed, AFailedFillStaysDue) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 1}, out);
    f.on_message(ev(E1, 3), out);
    f.begin_fill();
    f.on_fill(hub::history_result{}, out);
    EXPECT_TRUE(f.fill_due());
    EXPECT_TRUE(out.empty());
}

TEST(ChannelFeed, WhatTheStreamLostIsSkipped) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 1}, out);
    f.on_message(ev(E1, 9), out);
    f.begin_fill();
    auto r = stream(E1, 9, {8, 9});
    r.complete = false;
    f.on_fill(r, out);
    f.on_message(ev(E1, 10), out);
    // 0: the gap marker, before anything after the hole.
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{0, 8, 9, 10}));
}

TEST(ChannelFeed, ANewEpochIsDeliveredFromItsStart) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 7}, out);
    f.on_message(ev(E2, 1), out);
    f.on_message(ev(E2, 2), out);
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(f.delivered().epoch, E2);
}

TEST(ChannelFeed, ANewEpochSeenLateIsFilledFromItsFirstEvent) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 7}, out);
    f.on_message(ev(E2, 3), out);
    ASSERT_TRUE(f.fill_due());
    EXPECT_EQ(f.begin_fill(), (protocol::event_id{E2, 0}));
    f.on_fill(stream(E2, 3, {1, 2, 3}), out);
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(ChannelFeed, AfterAReconnectTheFillFindsANewEpoch) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 4}, out);
    f.connection_lost();
    ASSERT_TRUE(f.fill_due());
    f.begin_fill();
    f.on_fill(stream(E2, 2, {}), out);  // asked with E1: another epoch, nothing listed
    ASSERT_TRUE(f.fill_due());
    EXPECT_EQ(f.begin_fill(), (protocol::event_id{E2, 0}));
    f.on_fill(stream(E2, 2, {1, 2}), out);
    f.on_message(ev(E2, 3), out);
    // The old epoch's tail may have been published while the connection was down.
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{0, 1, 2, 3}));
}

TEST(ChannelFeed, RedisEmptyAfterAReconnectWaitsForTheNextEpoch) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 4}, out);
    f.connection_lost();
    f.begin_fill();
    f.on_fill(stream(0, 0, {}), out);
    EXPECT_FALSE(f.fill_due());
    f.on_message(ev(E2, 1), out);
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{0, 1}));
}

TEST(ChannelFeed, MoreMissedThanTheStreamHoldsIsToldBeforeTheEventsAfterTheHole) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 0}, out);
    f.connection_lost();
    ASSERT_TRUE(f.fill_due());
    EXPECT_EQ(f.begin_fill(), (protocol::event_id{E1, 0}));
    f.on_message(ev(E1, 201), out);
    std::vector<std::uint64_t> kept;
    for (std::uint64_t s = 151; s <= 200; ++s)
        kept.push_back(s);
    auto r = stream(E1, 200, kept);
    r.complete = false;
    f.on_fill(r, out);
    ASSERT_EQ(out.size(), 52u);
    EXPECT_TRUE(channel_feed::is_gap(out[0]));
    EXPECT_EQ(out[1].sequence, 151u);
    EXPECT_EQ(out[51].sequence, 201u);
    f.on_message(ev(E1, 202), out);
    EXPECT_EQ(out.back().sequence, 202u);
    EXPECT_EQ(std::count_if(out.begin(), out.end(), channel_feed::is_gap), 1);
}

TEST(ChannelFeed, AReconnectThatMissedNothingTheStreamLacksTellsNothing) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 3}, out);
    f.connection_lost();
    f.begin_fill();
    f.on_fill(stream(E1, 5, {4, 5}), out);
    f.connection_lost();
    f.begin_fill();
    f.on_fill(stream(E1, 5, {}), out);
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{4, 5}));
}

TEST(ChannelFeed, AChannelWithoutEventsWhenTheConnectionWentLostNothingOfAnOlderEpoch) {
    channel_feed f;
    channel_feed::events out;
    f.start({0, 0}, out);  // opened before the channel's first event
    f.connection_lost();
    f.begin_fill();
    f.on_fill(stream(E1, 2, {}), out);  // its first epoch began meanwhile
    ASSERT_TRUE(f.fill_due());
    EXPECT_EQ(f.begin_fill(), (protocol::event_id{E1, 0}));
    f.on_fill(stream(E1, 2, {1, 2}), out);
    f.connection_lost();
    f.begin_fill();
    f.on_fill(stream(E1, 2, {}), out);
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{1, 2}));
    channel_feed g;
    channel_feed::events none;
    g.start({0, 0}, none);
    g.connection_lost();
    g.begin_fill();
    g.on_fill(stream(0, 0, {}), none);
    EXPECT_TRUE(none.empty());
}

TEST(ChannelFeed, AHoleInTheMiddleOfTheFillIsTold) {
    channel_feed f;
    channel_feed::events out;
    f.start({E1, 3}, out);
    f.connection_lost();
    f.begin_fill();
    f.on_fill(stream(E1, 7, {4, 6, 7}), out);  // 5 never came back
    EXPECT_EQ(seqs(out), (std::vector<std::uint64_t>{0, 4, 6, 7}));
}

}  // namespace
}  // namespace kata::redis
