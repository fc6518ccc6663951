// The Redis broker against real redis-server processes: storage, ids, cross-node delivery,
// sharding, order, and one round trip per batch.
#include <gtest/gtest.h>

#include <set>

#include "core/redis/broker_message.hpp"
#include "core/redis/shard.hpp"
#include "redis_broker_support.hpp"

namespace kata::e2e {
namespace {

class RedisBroker : public ::testing::Test {
  protected:
    void SetUp() override {
        if (access(redis_server_binary, X_OK) != 0) GTEST_SKIP() << "no redis-server";
        redis_ = std::make_unique<redis_process>();
    }
    std::unique_ptr<redis::redis_broker> node(recording_sink* sink = nullptr,
                                              std::vector<std::string> urls = {}) {
        auto b = std::make_unique<redis::redis_broker>(
            settings_for(urls.empty() ? std::vector<std::string>{redis_->url()} : urls));
        b->set_sink(sink);
        b->start();
        EXPECT_TRUE(eventually([&] { return b->ready(); }, 10s));
        return b;
    }
    std::unique_ptr<redis_process> redis_;
};

TEST_F(RedisBroker, PublishThenHistoryReturnsTheExactEnvelopeWithTheSameId) {
    auto a = node();
    const auto ev = make_event("spec:1", R"({"n":1})");
    const auto r = publish(*a, {ev});
    ASSERT_TRUE(r && r->all_stored());
    const auto id = *r->ids[0];
    EXPECT_EQ(id.sequence, 1u);

    const auto h = history(*a, "spec:1", protocol::event_id{id.epoch, 0});
    ASSERT_TRUE(h && h->available);
    EXPECT_TRUE(h->complete);
    EXPECT_EQ(h->position.epoch, id.epoch);
    EXPECT_EQ(h->position.last_sequence, 1u);
    ASSERT_EQ(h->events.size(), 1u);
    EXPECT_EQ(h->events[0].envelope, ev.head + id.str() + ev.tail);

    const auto pos = history(*a, "spec:1", std::nullopt);
    ASSERT_TRUE(pos && pos->available);
    EXPECT_EQ(pos->position.last_sequence, 1u);
    EXPECT_TRUE(pos->events.empty());
    const auto none = history(*a, "spec:none", std::nullopt);
    ASSERT_TRUE(none && none->available);
    EXPECT_EQ(none->position.epoch, 0u);
}

TEST_F(RedisBroker, HistoryIsBoundedByCountAndSaysIncompleteWhenTheGapIsTrimmed) {
    auto s = settings_for({redis_->url()});
    s.history_max_events = 5;
    redis::redis_broker a(s);
    a.start();
    ASSERT_TRUE(eventually([&] { return a.ready(); }, 10s));
    std::vector<hub::outgoing_event> batch;
    for (int i = 0; i < 12; ++i)
        batch.push_back(make_event("team:x", std::to_string(i)));
    const auto r = publish(a, batch);
    ASSERT_TRUE(r && r->all_stored());
    const auto epoch = r->ids[0]->epoch;
    EXPECT_EQ(redis_->command({"XLEN", "test:team:x:stream"}), "5");
    const auto recent = history(a, "team:x", protocol::event_id{epoch, 7});
    ASSERT_TRUE(recent);
    EXPECT_TRUE(recent->complete);
    EXPECT_EQ(recent->events.size(), 5u);
    const auto old = history(a, "team:x", protocol::event_id{epoch, 2});
    ASSERT_TRUE(old);
    EXPECT_FALSE(old->complete);
    const auto foreign = history(a, "team:x", protocol::event_id{epoch ^ 1, 11});
    ASSERT_TRUE(foreign);
    EXPECT_FALSE(foreign->complete);
}

TEST_F(RedisBroker, HistoryIsBoundedByBytesWithExactBookkeeping) {
    auto s = settings_for({redis_->url()});
    const auto one = make_event("team:b", "1234");
    const auto size = one.head.size() + one.tail.size() + 22;  // evt_<16 hex>_<1 digit>
    s.history_max_bytes = 3 * size + size / 2;
    redis::redis_broker a(s);
    a.start();
    ASSERT_TRUE(eventually([&] { return a.ready(); }, 10s));
    ASSERT_TRUE(publish(a, std::vector<hub::outgoing_event>(9, one))->all_stored());
    EXPECT_EQ(redis_->command({"XLEN", "test:team:b:stream"}), "3");
    EXPECT_EQ(redis_->command({"GET", "test:team:b:bytes"}), std::to_string(3 * size));
}

TEST_F(RedisBroker, HistoryOlderThanTheTtlIsIncomplete) {
    auto s = settings_for({redis_->url()});
    s.history_ttl = 100ms;
    redis::redis_broker a(s);
    a.start();
    ASSERT_TRUE(eventually([&] { return a.ready(); }, 10s));
    const auto r = publish(a, {make_event("spec:t", "1")});
    ASSERT_TRUE(r && r->all_stored());
    const protocol::event_id before{r->ids[0]->epoch, 0};
    const auto fresh = history(a, "spec:t", before);
    ASSERT_TRUE(fresh);
    EXPECT_TRUE(fresh->complete);
    // Redis expires the stream (and the script ignores entries past the ttl) once it is over.
    EXPECT_TRUE(eventually(
        [&] {
            const auto h = history(a, "spec:t", before);
            return h && h->available && !h->complete;
        },
        10s));
    // The channel's epoch and sequence expire with its history: published again, it starts a
    // new epoch, so no id is given twice.
    EXPECT_TRUE(eventually(
        [&] {
            return redis_->command({"EXISTS", "test:spec:t:epoch", "test:spec:t:seq"}) == "0";
        },
        10s));
    const auto next = publish(a, {make_event("spec:t", "2")});
    ASSERT_TRUE(next && next->all_stored());
    EXPECT_NE(next->ids[0]->epoch, r->ids[0]->epoch);
    EXPECT_EQ(next->ids[0]->sequence, 1u);
}

TEST_F(RedisBroker, AnEventPublishedOnNodeAReachesNodeBWithTheSameId) {
    recording_sink sink_b;
    auto a = node();
    auto b = node(&sink_b);
    const auto pos = open(*b, "spec:7");
    ASSERT_TRUE(pos && *pos);
    EXPECT_EQ((*pos)->epoch, 0u);  // no events yet

    const auto ev = make_event("spec:7", R"({"hello":"world"})");
    const auto r = publish(*a, {ev});
    ASSERT_TRUE(r && r->all_stored());
    const auto got = sink_b.wait_for(1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].channel, "spec:7");
    EXPECT_EQ(got[0].event.epoch, r->ids[0]->epoch);
    EXPECT_EQ(got[0].event.sequence, 1u);
    EXPECT_EQ(got[0].event.envelope, ev.head + r->ids[0]->str() + ev.tail);

    // After close, nothing more arrives (the next open answers the current position).
    b->close("spec:7");
    const auto again = open(*b, "spec:7");
    ASSERT_TRUE(again && *again);
    EXPECT_EQ((*again)->last_sequence, 1u);
}

TEST_F(RedisBroker, OpenAndCloseAlternatingQuicklyAnswerEveryOpenAndTheLastCallWins) {
    recording_sink sink_b;
    auto a = node();
    auto b = node(&sink_b);
    std::vector<std::future<std::optional<hub::stream_position>>> answers;
    for (int i = 0; i < 20; ++i) {
        auto p = std::make_shared<std::promise<std::optional<hub::stream_position>>>();
        answers.push_back(p->get_future());
        b->open("agent:1", [p](auto pos) { p->set_value(pos); });
        if (i + 1 < 20) b->close("agent:1");
    }
    for (auto& f : answers)
        ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    ASSERT_TRUE(answers.back().get());  // the last open holds
    ASSERT_TRUE(publish(*a, {make_event("agent:1", "1")})->all_stored());
    EXPECT_EQ(sink_b.wait_for(1).size(), 1u);
}

TEST_F(RedisBroker, TwoShardsHoldChannelsOnBothAndDeliverEachEventOnce) {
    redis_process second;
    const std::vector<std::string> urls{redis_->url(), second.url()};
    recording_sink sink_b;
    auto a = node(nullptr, urls);
    auto b = node(&sink_b, urls);
    std::vector<hub::outgoing_event> batch;
    std::set<std::size_t> shards;
    for (int i = 0; i < 40; ++i) {
        const auto ch = "spec:" + std::to_string(i);
        shards.insert(redis::shard_of(ch, 2));
        ASSERT_TRUE(open(*b, ch).value_or(std::nullopt));
        batch.push_back(make_event(ch, std::to_string(i)));
    }
    ASSERT_EQ(shards.size(), 2u);
    const auto r = publish(*a, batch);
    ASSERT_TRUE(r && r->all_stored());
    const auto got = sink_b.wait_for(40);
    ASSERT_EQ(got.size(), 40u);
    std::set<std::string> channels;
    for (const auto& e : got) {
        EXPECT_EQ(e.event.sequence, 1u);
        channels.insert(e.channel);
    }
    EXPECT_EQ(channels.size(), 40u);
    EXPECT_NE(redis_->command({"EXISTS", "test:spec:0:seq"}),
              second.command({"EXISTS", "test:spec:0:seq"}));
    EXPECT_NE(redis_->command({"DBSIZE"}), "0");
    EXPECT_NE(second.command({"DBSIZE"}), "0");
    EXPECT_TRUE(sink_b.wait_for(41, 100ms).size() == 40u);
}

TEST_F(RedisBroker, ManyConcurrentPublishesArriveOnceInOrder) {
    recording_sink sink_b;
    auto a = node();
    auto c = node();
    auto b = node(&sink_b);
    ASSERT_TRUE(open(*b, "team:busy").value_or(std::nullopt));
    constexpr int rounds = 100, per_batch = 10;
    std::vector<std::future<hub::publish_result>> pending;
    for (int i = 0; i < rounds; ++i) {
        auto p = std::make_shared<std::promise<hub::publish_result>>();
        pending.push_back(p->get_future());
        std::vector<hub::outgoing_event> batch;
        for (int j = 0; j < per_batch; ++j)
            batch.push_back(make_event("team:busy", std::to_string(i * per_batch + j)));
        (i % 2 ? *a : *c).publish(std::move(batch), [p](auto r) { p->set_value(std::move(r)); });
    }
    for (auto& f : pending)
        ASSERT_TRUE(f.get().all_stored());
    const auto got = sink_b.wait_for(rounds * per_batch);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(rounds * per_batch));
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(got[i].event.sequence, i + 1);
}

TEST_F(RedisBroker, ABatchOfAThousandEventsIsOneEvalsha) {
    auto a = node();
    std::vector<hub::outgoing_event> batch;
    for (int i = 0; i < 1000; ++i)
        batch.push_back(make_event(i % 2 ? "spec:a" : "spec:b", std::to_string(i)));
    const auto before_sha = redis_->command_calls("evalsha");
    const auto before_eval = redis_->command_calls("eval");
    const auto r = publish(*a, batch);
    ASSERT_TRUE(r && r->all_stored());
    EXPECT_EQ(redis_->command_calls("evalsha") - before_sha, 1u);
    EXPECT_EQ(redis_->command_calls("eval") - before_eval, 0u);
    EXPECT_EQ(r->ids[998]->sequence, 500u);
    EXPECT_EQ(r->ids[999]->sequence, 500u);
}

TEST_F(RedisBroker, ALostSequenceStartsANewEpochInsteadOfReusingIds) {
    auto a = node();
    const auto first = publish(*a, {make_event("spec:l", "1"), make_event("spec:l", "2")});
    ASSERT_TRUE(first && first->all_stored());
    ASSERT_EQ(redis_->command({"DEL", "test:spec:l:seq"}), "1");  // as an eviction would
    const auto next = publish(*a, {make_event("spec:l", "3")});
    ASSERT_TRUE(next && next->all_stored());
    EXPECT_NE(next->ids[0]->epoch, first->ids[0]->epoch);
    EXPECT_EQ(next->ids[0]->sequence, 1u);
    EXPECT_EQ(redis_->command({"XLEN", "test:spec:l:stream"}), "1");
}

TEST_F(RedisBroker, AFlushedScriptCacheFallsBackToEval) {
    auto a = node();
    ASSERT_EQ(redis_->command({"SCRIPT", "FLUSH"}), "OK");
    const auto r = publish(*a, {make_event("spec:f", "1")});
    ASSERT_TRUE(r && r->all_stored());
    EXPECT_EQ(redis_->command_calls("eval"), 1u);
}

}  // namespace
}  // namespace kata::e2e
