// POST /v1/disconnect across nodes sharing one real Redis: a disconnect sent to node A closes the
// matching connections on node B within a second; one sent while B's link to Redis is cut (the
// fault proxy) is applied on B once it is back, from the stream; and when Redis does not take it,
// A answers 503 broker_unavailable (having applied it to its own connections).
#include "cluster_support.hpp"
#include "tcp_relay.hpp"

namespace kata::e2e {
namespace {

const headers session_headers = {{"Cookie", "kata_session=" + session_t1}, {"Origin", good_origin}};

http_result disconnect(std::uint16_t port, const std::string& body) {
    return http_request(port, "POST", "/v1/disconnect", body,
                        {{"Authorization", "Bearer " + key_admin}});
}

bool still_open(ws_peer& peer) {
    peer.send({{"type", "ping"}});
    return peer.next_of("pong").has_value() && !peer.closed();
}

TEST(ClusterDisconnect, AUserDisconnectedOnNodeAIsClosedOnNodeBWithinASecond) {
    cluster c;
    ws_peer on_b, other_on_b, on_a;
    ASSERT_TRUE(on_b.connect(c.b.port(), session_headers));
    ASSERT_EQ(on_b.subscribe("team:t1")["type"], "subscribed");
    ASSERT_TRUE(other_on_b.connect(c.b.port(), {{"Authorization", "Bearer " + key_t2}}));
    ASSERT_TRUE(on_a.connect(c.a.port(), session_headers));

    const auto res = disconnect(c.a.port(), R"({"user":"u1"})");
    const auto answered = std::chrono::steady_clock::now();
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], 1) << "the matches on A itself";
    ASSERT_TRUE(on_a.wait_closed(1s));
    ASSERT_TRUE(on_b.wait_closed(2s));
    EXPECT_LT(std::chrono::steady_clock::now() - answered, 1s) << "B closed it too late";
    EXPECT_EQ(on_b.close_code(), 4401);
    EXPECT_EQ(on_b.close_reason(), "credential revoked");
    EXPECT_TRUE(still_open(other_on_b));
    EXPECT_EQ(c.b.srv->stats().closed_revoked, 1u);

    // With a channel, B ends only that subscription.
    ws_peer again;
    ASSERT_TRUE(again.connect(c.b.port(), session_headers));
    ASSERT_EQ(again.subscribe("team:t1", "a")["type"], "subscribed");
    ASSERT_EQ(again.subscribe("spec:s1", "b")["type"], "subscribed");
    const auto partial = disconnect(c.a.port(), R"({"user":"u1","channel":"spec:s1"})");
    ASSERT_EQ(partial.status, 200) << partial.text;
    EXPECT_EQ(partial.body["matched"], 0) << "nothing of u1 on A";
    const auto ended = again.next_of("unsubscribed", 1s);
    ASSERT_TRUE(ended) << "closed: " << again.close_code();
    EXPECT_EQ((*ended)["channel"], "spec:s1");
    EXPECT_EQ((*ended)["payload"]["reason"], "revoked");
    EXPECT_TRUE(still_open(again));
}

TEST(ClusterDisconnect, ADisconnectSentWhileNodeBIsCutOffIsAppliedWhenBIsBack) {
    redis_process redis;
    tcp_relay path_b(redis.port());  // node B's only way to Redis
    running_server a(cluster_config({redis.url()}));
    running_server b(cluster_config({"redis://127.0.0.1:" + std::to_string(path_b.port())}));
    wait_ready({a.port(), b.port()});
    ws_peer on_b, bystander;
    ASSERT_TRUE(on_b.connect(b.port(), session_headers));
    ASSERT_EQ(on_b.subscribe("team:t1")["type"], "subscribed");
    ASSERT_TRUE(bystander.connect(b.port(), {{"Authorization", "Bearer " + key_t2}}));

    path_b.cut();
    ASSERT_TRUE(eventually([&] { return http_request(b.port(), "GET", "/readyz").status == 503; }))
        << "B never noticed that it lost Redis";
    const auto res = disconnect(a.port(), R"({"user":"u1"})");
    ASSERT_EQ(res.status, 200) << "stored in Redis: " << res.text;
    EXPECT_EQ(res.body["matched"], 0);
    // B cannot have heard of it: its link is cut.
    EXPECT_TRUE(still_open(on_b)) << "closed with " << on_b.close_code();

    path_b.restore();
    ASSERT_TRUE(
        eventually([&] { return http_request(b.port(), "GET", "/readyz").status == 200; }, 10s));
    ASSERT_TRUE(on_b.wait_closed(2s)) << "B did not apply the disconnect it missed";
    EXPECT_EQ(on_b.close_code(), 4401);
    EXPECT_EQ(on_b.close_reason(), "credential revoked");
    EXPECT_TRUE(still_open(bystander));
}

TEST(ClusterDisconnect, WhenRedisDoesNotTakeItTheAnswerIs503AndThisNodeAppliedIt) {
    redis_process redis;
    tcp_relay path_a(redis.port());
    running_server a(cluster_config({"redis://127.0.0.1:" + std::to_string(path_a.port())}));
    wait_ready({a.port()});
    ws_peer on_a;
    ASSERT_TRUE(on_a.connect(a.port(), session_headers));

    path_a.cut();
    ASSERT_TRUE(eventually([&] { return http_request(a.port(), "GET", "/readyz").status == 503; }));
    const auto res = disconnect(a.port(), R"({"user":"u1"})");
    EXPECT_EQ(res.status, 503) << res.text;
    EXPECT_EQ(res.body["error"]["code"], "broker_unavailable") << res.text;
    ASSERT_TRUE(on_a.wait_closed(1s)) << "failing closed: this node applies it anyway";
    EXPECT_EQ(on_a.close_code(), 4401);
}

}  // namespace
}  // namespace kata::e2e
