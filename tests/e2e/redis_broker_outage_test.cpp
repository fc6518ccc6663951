// The Redis broker when connections or Redis itself go away: gaps filled from the stream, a
// Redis that comes back empty starts a new epoch, publishes fail fast while it is down.
#include <gtest/gtest.h>

#include <sstream>

#include "redis_broker_support.hpp"

namespace kata::e2e {
namespace {

class RedisBrokerOutage : public ::testing::Test {
  protected:
    void SetUp() override {
        if (access(redis_server_binary, X_OK) != 0) GTEST_SKIP() << "no redis-server";
        redis_ = std::make_unique<redis_process>();
    }
    std::unique_ptr<redis::redis_broker> node(recording_sink* sink = nullptr) {
        auto b = std::make_unique<redis::redis_broker>(settings_for({redis_->url()}));
        b->set_sink(sink);
        b->start();
        EXPECT_TRUE(eventually([&] { return b->ready(); }, 10s));
        return b;
    }
    // The id of the pub/sub connection holding `subscriptions` channels (CLIENT LIST's sub=).
    std::optional<std::string> pubsub_client_with(int subscriptions) {
        std::istringstream list(redis_->command({"CLIENT", "LIST"}).value_or(""));
        const auto want = " sub=" + std::to_string(subscriptions) + " ";
        for (std::string line; std::getline(list, line);) {
            if (line.find(want) == std::string::npos) continue;
            const auto id = line.substr(3, line.find(' ') - 3);  // "id=N ..."
            return id;
        }
        return std::nullopt;
    }
    std::unique_ptr<redis_process> redis_;
};

std::vector<hub::outgoing_event> events(const std::string& channel, int from, int to) {
    std::vector<hub::outgoing_event> out;
    for (int i = from; i <= to; ++i)
        out.push_back(make_event(channel, std::to_string(i)));
    return out;
}

TEST_F(RedisBrokerOutage, EventsMissedWhileThePubSubConnectionWasKilledAreFilledFromTheStream) {
    recording_sink sink_b;
    auto a = node();
    auto b = node(&sink_b);
    ASSERT_TRUE(open(*b, "spec:gap").value_or(std::nullopt));
    ASSERT_TRUE(publish(*a, events("spec:gap", 1, 3))->all_stored());
    ASSERT_EQ(sink_b.wait_for(3).size(), 3u);

    // B's pub/sub connection holds its keepalive channel and spec:gap; A's only the keepalive.
    const auto id = pubsub_client_with(2);
    ASSERT_TRUE(id);
    ASSERT_EQ(redis_->command({"CLIENT", "KILL", "ID", *id}), "1");
    ASSERT_TRUE(eventually([&] { return !b->ready(); }, 10s));
    // B waits at least reconnect_min before reconnecting: these are published meanwhile.
    ASSERT_TRUE(publish(*a, events("spec:gap", 4, 10))->all_stored());
    ASSERT_TRUE(eventually([&] { return b->ready(); }, 10s));
    ASSERT_TRUE(publish(*a, events("spec:gap", 11, 12))->all_stored());

    const auto got = sink_b.wait_for(12);
    ASSERT_EQ(got.size(), 12u);
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(got[i].event.sequence, i + 1);
    EXPECT_EQ(sink_b.wait_for(13, 100ms).size(), 12u);  // nothing twice
}

TEST_F(RedisBrokerOutage, RedisDownAnswersFastThenRecovers) {
    auto a = node();
    ASSERT_TRUE(publish(*a, events("team:d", 1, 1))->all_stored());
    redis_->stop();
    ASSERT_TRUE(eventually([&] { return !a->ready(); }, 10s));

    const auto started = std::chrono::steady_clock::now();
    const auto r = publish(*a, events("team:d", 2, 3));
    ASSERT_TRUE(r);
    EXPECT_LT(std::chrono::steady_clock::now() - started, a->settings().connect_timeout);
    ASSERT_EQ(r->ids.size(), 2u);
    EXPECT_FALSE(r->ids[0]);
    EXPECT_FALSE(r->ids[1]);
    const auto pos = open(*a, "team:d");
    ASSERT_TRUE(pos);
    EXPECT_FALSE(*pos);
    const auto h = history(*a, "team:d", std::nullopt);
    ASSERT_TRUE(h);
    EXPECT_FALSE(h->available);

    redis_->start();
    EXPECT_TRUE(eventually([&] { return a->ready(); }, 5s));
    EXPECT_TRUE(publish(*a, events("team:d", 2, 2))->all_stored());
}

TEST_F(RedisBrokerOutage, AHungRedisFailsPublishesWithinTheTimeout) {
    auto s = settings_for({redis_->url()});
    s.connect_timeout = 300ms;
    redis::redis_broker a(s);
    a.start();
    ASSERT_TRUE(eventually([&] { return a.ready(); }, 10s));
    // A stopped (SIGSTOP) server keeps its sockets open but answers nothing.
    redis_->pause();
    const auto started = std::chrono::steady_clock::now();
    const auto r = publish(a, events("spec:h", 1, 1));
    const auto took = std::chrono::steady_clock::now() - started;
    redis_->resume();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ids[0]);
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 2s);
    EXPECT_TRUE(eventually([&] { return a.ready(); }, 5s));
}

TEST_F(RedisBrokerOutage, RedisBackEmptyStartsANewEpochThatOpenChannelsReceive) {
    recording_sink sink_b;
    auto a = node();
    auto b = node(&sink_b);
    ASSERT_TRUE(open(*b, "spec:e").value_or(std::nullopt));
    const auto first = publish(*a, events("spec:e", 1, 3));
    ASSERT_TRUE(first && first->all_stored());
    ASSERT_EQ(sink_b.wait_for(3).size(), 3u);
    const auto old_epoch = first->ids[0]->epoch;

    redis_->stop();
    ASSERT_TRUE(eventually([&] { return !a->ready() && !b->ready(); }, 10s));
    redis_->start();
    ASSERT_TRUE(eventually([&] { return a->ready() && b->ready(); }, 10s));

    const auto second = publish_all(*a, events("spec:e", 1, 2));
    const auto new_epoch = second.ids[0]->epoch;
    EXPECT_NE(new_epoch, old_epoch);
    EXPECT_EQ(second.ids[0]->sequence, 1u);
    // The old stream is gone with whatever B may have missed of it: B is told (a gap, recorded
    // as sequence 0) before the new epoch's events.
    const auto got = sink_b.wait_for(6);
    ASSERT_EQ(got.size(), 6u);
    EXPECT_EQ(got[3].event.sequence, 0u);
    EXPECT_EQ(got[4].event.epoch, new_epoch);
    EXPECT_EQ(got[4].event.sequence, 1u);
    EXPECT_EQ(got[5].event.sequence, 2u);
    EXPECT_EQ(sink_b.wait_for(7, 100ms).size(), 6u);  // told once

    const auto h = history(*a, "spec:e", protocol::event_id{old_epoch, 3});
    ASSERT_TRUE(h && h->available);
    EXPECT_FALSE(h->complete);
    EXPECT_EQ(h->position.epoch, new_epoch);
}

TEST_F(RedisBrokerOutage, EventsStoredWhileANodeWasCutOffAreDeliveredAfterItsReconnect) {
    recording_sink sink_b;
    auto a = node();
    auto b = node(&sink_b);
    ASSERT_TRUE(open(*b, "agent:r").value_or(std::nullopt));
    ASSERT_TRUE(publish(*a, events("agent:r", 1, 2))->all_stored());
    ASSERT_EQ(sink_b.wait_for(2).size(), 2u);
    // Kill every client: both nodes reconnect; what A stores once back reaches B in order.
    redis_->command({"CLIENT", "KILL", "TYPE", "pubsub"});
    redis_->command({"CLIENT", "KILL", "TYPE", "normal"});
    publish_all(*a, events("agent:r", 3, 6));
    const auto got = sink_b.wait_for(6);
    ASSERT_EQ(got.size(), 6u);
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(got[i].event.sequence, i + 1);
}

TEST_F(RedisBrokerOutage, StopAnswersPendingCallsAndLeavesNoThread) {
    auto a = node();
    a->stop();
    EXPECT_FALSE(a->ready());
    const auto r = publish(*a, events("spec:s", 1, 1));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ids[0]);
}

}  // namespace
}  // namespace kata::e2e
