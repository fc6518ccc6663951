// Several nodes sharing channels and history through real Redis processes (issue "Scale out"):
// in-process nodes on ephemeral ports, each with the Redis broker.
#include <set>

#include "cluster_support.hpp"

namespace kata::e2e {
namespace {

TEST(Cluster, SubscriberOnBGetsTheExactEnvelopePublishedOnA) {
    cluster c;
    auto& [redis, a, b] = c;
    ws_peer on_a, on_b;
    ASSERT_TRUE(on_a.connect(a.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(on_b.connect(b.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(on_a.subscribe("spec:s1")["type"], "subscribed");
    ASSERT_EQ(on_b.subscribe("spec:s1")["type"], "subscribed");

    const auto res =
        publish(a.port(), key_t1,
                {{"channel", "spec:s1"}, {"type", "spec_updated"}, {"payload", {{"v", 1}}}});
    ASSERT_EQ(res.status, 200) << res.text;
    const std::string id = res.body["eventId"];
    const auto got_b = on_b.next();
    ASSERT_TRUE(got_b);
    const std::string text_b = on_b.last_text();
    const auto got_a = on_a.next();
    ASSERT_TRUE(got_a);
    EXPECT_EQ((*got_b)["eventId"], id);
    EXPECT_EQ((*got_b)["payload"]["v"], 1);
    EXPECT_EQ(on_a.last_text(), text_b) << "the same bytes on every node";
}

TEST(Cluster, PublishRightAfterSubscribedOnAnotherNodeIsDelivered) {
    cluster c;
    auto& [redis, a, b] = c;
    for (int i = 0; i < 20; ++i) {
        const std::string channel = "team:t1";
        ws_peer peer;
        ASSERT_TRUE(peer.connect(b.port(), {{"Authorization", "Bearer " + key_t1}}));
        ASSERT_EQ(peer.subscribe(channel)["type"], "subscribed");
        const auto res =
            publish(a.port(), key_t1,
                    {{"channel", channel}, {"type", "log_entry"}, {"payload", {{"i", i}}}});
        ASSERT_EQ(res.status, 200);
        const auto got = peer.next();
        ASSERT_TRUE(got) << "round " << i;
        EXPECT_EQ((*got)["eventId"], res.body["eventId"]);
    }
}

TEST(Cluster, TwoShardsHoldChannelsAndDeliverEachEventOnce) {
    redis_process shard1, shard2;
    const std::vector<std::string> urls{shard1.url(), shard2.url()};
    running_server a(cluster_config(urls));
    running_server b(cluster_config(urls));
    wait_ready({a.port(), b.port()});
    const std::vector<std::string> channels{"team:t1", "spec:s1", "agent:a1"};
    ws_peer peer;
    ASSERT_TRUE(peer.connect(b.port(), {{"Authorization", "Bearer " + key_t1}}));
    for (const auto& c : channels)
        ASSERT_EQ(peer.subscribe(c, c)["type"], "subscribed");
    // Enough distinct channels that both shards hold some (publish-any may use any spec id).
    json batch = json::array();
    for (int i = 0; i < 40; ++i)
        batch.push_back({{"channel", "spec:x" + std::to_string(i)},
                         {"type", "log_entry"},
                         {"payload", {{"i", i}}}});
    for (int i = 0; i < 30; ++i)
        batch.push_back(
            {{"channel", channels[i % 3]}, {"type", "log_entry"}, {"payload", {{"i", i}}}});
    const auto res = publish(a.port(), key_publish_any, {{"events", batch}});
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_GT(redis_keys(shard1, "kata:*"), 0u);
    EXPECT_GT(redis_keys(shard2, "kata:*"), 0u);

    std::set<std::string> seen;
    for (int i = 0; i < 30; ++i) {
        const auto got = peer.next();
        ASSERT_TRUE(got) << "event " << i;
        EXPECT_TRUE(seen.insert((*got)["eventId"].get<std::string>()).second) << "twice";
    }
    EXPECT_FALSE(peer.next(300ms)) << "nothing more than the 30";
}

TEST(Cluster, SubscriberCutOnAResumesOnBWithEveryMissedEventOnce) {
    cluster c;
    auto& [redis, a, b] = c;
    std::string last;
    {
        ws_peer peer;
        ASSERT_TRUE(peer.connect(a.port(), {{"Authorization", "Bearer " + key_t1}}));
        ASSERT_EQ(peer.subscribe("agent:a1")["type"], "subscribed");
        publish_seq(a.port(), "agent:a1", 0, 5);
        for (int i = 0; i < 5; ++i)
            last = (*peer.next())["eventId"];
    }
    publish_seq(a.port(), "agent:a1", 5, 105);  // missed
    ws_peer peer;
    ASSERT_TRUE(peer.connect(b.port(), {{"Authorization", "Bearer " + key_t1}}));
    peer.send(
        {{"type", "subscribe"}, {"channel", "agent:a1"}, {"since", last}, {"requestId", "s"}});
    const auto ack = peer.next_of("subscribed");
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["payload"]["recovered"], true);
    for (int i = 5; i < 105; ++i) {
        const auto got = peer.next();
        ASSERT_TRUE(got) << "missing " << i;
        ASSERT_EQ((*got)["payload"]["seq"], i);
    }
    publish_seq(b.port(), "agent:a1", 105, 106);
    EXPECT_EQ((*peer.next())["payload"]["seq"], 105) << "then live";
    EXPECT_FALSE(peer.next(200ms)) << "nothing twice";
}

TEST(Cluster, ResumeWhileEventsFlowMissesNothingAndRepeatsNothing) {
    cluster c;
    auto& [redis, a, b] = c;
    ws_peer keeper;  // keeps the channel open on B, so B delivers live while the resume replays
    connect_subscribed(keeper, b.port(), "team:t1");
    publish_seq(a.port(), "team:t1", 0, 1);
    const std::string first = (*keeper.next())["eventId"];
    std::atomic<bool> stop{false};
    std::thread publisher([&] {
        for (int i = 1; i < 301 && !stop; ++i)
            publish_seq(a.port(), "team:t1", i, i + 1);
    });
    ws_peer peer;
    ASSERT_TRUE(peer.connect(b.port(), {{"Authorization", "Bearer " + key_t1}}));
    peer.send(
        {{"type", "subscribe"}, {"channel", "team:t1"}, {"since", first}, {"requestId", "s"}});
    const auto ack = peer.next_of("subscribed");
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["payload"]["recovered"], true);
    publisher.join();
    for (int i = 1; i < 301; ++i) {
        const auto got = peer.next();
        ASSERT_TRUE(got) << "missing " << i;
        ASSERT_EQ((*got)["payload"]["seq"], i) << "in order, once";
    }
    EXPECT_FALSE(peer.next(200ms));
}

TEST(Cluster, InProcessPublishOnAGoesThroughRedisToB) {
    cluster c;
    auto& [redis, a, b] = c;
    ws_peer peer;
    connect_subscribed(peer, b.port(), "agent:a1");
    const auto channel = protocol::parse_channel("agent:a1");
    ASSERT_TRUE(channel);
    const auto id = a.srv->hub().publish(*channel, "agent_status_changed", R"({"status":"idle"})");
    const auto got = peer.next();
    ASSERT_TRUE(got);
    EXPECT_EQ((*got)["eventId"], id);
    EXPECT_EQ((*got)["payload"]["status"], "idle");

    redis.stop();
    EXPECT_THROW(a.srv->hub().publish(*channel, "log_entry", "{}"), std::runtime_error)
        << "an event Redis did not store is an error, never an id";
}

TEST(Cluster, ReadyzIsOkWithAReachableBrokerAndMemoryNodesAreReady) {
    redis_process redis;
    running_server a(cluster_config({redis.url()}));
    EXPECT_TRUE(eventually([&] { return http_request(a.port(), "GET", "/readyz").status == 200; }));
    running_server memory;
    EXPECT_EQ(http_request(memory.port(), "GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace kata::e2e
