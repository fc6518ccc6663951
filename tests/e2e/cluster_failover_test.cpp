// A cluster when Redis or a node fails: nothing acknowledged is lost, publishes are refused
// (503, per event) while Redis is away, and open WebSocket connections stay.
#include <csignal>
#include <set>

#include "cluster_support.hpp"
#include "serve_process.hpp"

namespace kata::e2e {
namespace {

TEST(ClusterFailover, RedisDownAnswers503ThenNoAcknowledgedEventIsLost) {
    cluster c;
    auto& [redis, a, b] = c;
    ws_peer peer;
    connect_subscribed(peer, b.port(), "team:t1");
    publish_seq(a.port(), "team:t1", 0, 3);
    std::string old_id;
    for (int i = 0; i < 3; ++i)
        old_id = (*peer.next())["eventId"];

    redis.stop();
    ASSERT_TRUE(eventually([&] { return http_request(a.port(), "GET", "/readyz").status == 503; }));
    const auto refused = publish(
        a.port(), key_t1,
        {{"events",
          json::array(
              {{{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", json::object()}}})}});
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.body["error"]["code"], "broker_unavailable");
    EXPECT_EQ(refused.body["events"][0]["stored"], false);
    ws_peer late;
    ASSERT_TRUE(late.connect(b.port(), {{"Authorization", "Bearer " + key_t1}}));
    const auto denied = late.subscribe("spec:s1");
    EXPECT_EQ(denied["type"], "error");
    EXPECT_EQ(denied["payload"]["code"], "broker_unavailable");
    EXPECT_FALSE(late.closed());

    redis.start();  // back, empty: a new epoch
    ASSERT_TRUE(
        eventually([&] { return http_request(a.port(), "GET", "/readyz").status == 200; }, 10s));
    ASSERT_TRUE(
        eventually([&] { return http_request(b.port(), "GET", "/readyz").status == 200; }, 10s));
    std::vector<std::string> acknowledged;
    for (int i = 3; i < 23; ++i) {
        const auto res =
            publish(a.port(), key_t1,
                    {{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", {{"seq", i}}}});
        if (res.status == 200) acknowledged.push_back(res.body["eventId"]);
    }
    ASSERT_FALSE(acknowledged.empty());
    std::set<std::string> got;
    while (got.size() < acknowledged.size()) {
        const auto e = peer.next();
        ASSERT_TRUE(e) << "an acknowledged event never came";
        if ((*e)["type"] == "subscribed") {
            // Redis came back empty: what B might have missed of the old stream is gone, and
            // B says so.
            EXPECT_EQ((*e)["payload"]["recovered"], false);
            continue;
        }
        got.insert((*e)["eventId"].get<std::string>());
    }
    for (const auto& id : acknowledged)
        EXPECT_TRUE(got.count(id)) << id;
    EXPECT_FALSE(peer.closed()) << "live subscribers stay through the outage";

    ws_peer resumer;
    ASSERT_TRUE(resumer.connect(b.port(), {{"Authorization", "Bearer " + key_t1}}));
    resumer.send(
        {{"type", "subscribe"}, {"channel", "team:t1"}, {"since", old_id}, {"requestId", "s"}});
    const auto ack = resumer.next_of("subscribed");
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["payload"]["recovered"], false) << "the old epoch's stream is gone";
}

TEST(ClusterFailover, KilledSubscriberConnectionIsRefilledFromTheStream) {
    cluster c;
    auto& [redis, a, b] = c;
    ws_peer peer;
    connect_subscribed(peer, b.port(), "spec:s1");
    // Every node's pub/sub connection goes, and each node reconnects both of its connections to
    // the shard after its own random backoff: A publishes again (a publisher retries what was
    // not stored) while B may still be resubscribing, and B fills that gap from the stream.
    ASSERT_TRUE(redis.command({"CLIENT", "KILL", "TYPE", "pubsub"}));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (int i = 0; i < 50; ++i) {
        http_result res;
        do {
            res =
                publish(a.port(), key_publish_any,
                        {{"channel", "spec:s1"}, {"type", "log_entry"}, {"payload", {{"seq", i}}}});
        } while (res.status == 503 && std::chrono::steady_clock::now() < deadline);
        ASSERT_EQ(res.status, 200) << res.text;
    }
    for (int i = 0; i < 50; ++i) {
        const auto got = peer.next(10s);
        ASSERT_TRUE(got) << "missing " << i;
        ASSERT_EQ((*got)["payload"]["seq"], i);
    }
    EXPECT_FALSE(peer.next(200ms)) << "nothing twice";
}

TEST(ClusterFailover, EveryNodeKilledAndRestartedClientsResumeFromRedis) {
    redis_process redis;
    const std::map<std::string, std::string> env{{"KATA_RT_API_KEY", key_t1}};
    auto start_node = [&] {
        return std::make_unique<serve_process>(
            std::vector<std::string>{"--listen", "127.0.0.1:0", "--redis", redis.url()}, env);
    };
    auto a = start_node();
    auto b = start_node();
    const auto port_a = a->wait_listening();
    const auto port_b = b->wait_listening();
    ASSERT_TRUE(port_a && port_b);
    wait_ready({*port_a, *port_b});
    std::string last;
    {
        ws_peer peer;
        ASSERT_TRUE(peer.connect(*port_a, {{"Authorization", "Bearer " + key_t1}}));
        ASSERT_EQ(peer.subscribe("team:dev")["type"], "subscribed");
        publish_seq(*port_b, "team:dev", 0, 3, key_t1);
        for (int i = 0; i < 3; ++i)
            last = (*peer.next())["eventId"];
    }
    a->kill_hard();
    b->kill_hard();
    a = start_node();
    const auto again = a->wait_listening();
    ASSERT_TRUE(again);
    wait_ready({*again});
    publish_seq(*again, "team:dev", 3, 10, key_t1);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(*again, {{"Authorization", "Bearer " + key_t1}}));
    peer.send(
        {{"type", "subscribe"}, {"channel", "team:dev"}, {"since", last}, {"requestId", "s"}});
    const auto ack = peer.next_of("subscribed");
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["payload"]["recovered"], true) << "history lives in Redis";
    for (int i = 3; i < 10; ++i) {
        const auto got = peer.next();
        ASSERT_TRUE(got) << "missing " << i;
        ASSERT_EQ((*got)["payload"]["seq"], i);
    }
}

}  // namespace
}  // namespace kata::e2e
