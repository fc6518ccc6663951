// PROTOCOL.md "Resume (history)" against the server.
#include <thread>

#include "server_support.hpp"

namespace kata::e2e {
namespace {

json subscribe_since(ws_peer& peer, const std::string& channel, const std::string& since) {
    peer.send({{"type", "subscribe"}, {"channel", channel}, {"since", since}, {"requestId", "s"}});
    return *peer.next_of("subscribed");
}

void publish_seq(std::uint16_t port, const std::string& channel, int from, int to) {
    json batch = json::array();
    for (int i = from; i < to; ++i) {
        batch.push_back({{"channel", channel}, {"type", "log_entry"}, {"payload", {{"seq", i}}}});
    }
    ASSERT_EQ(publish(port, key_publish_any, {{"events", batch}}).status, 200);
}

// Connects, subscribes, reads `count` events and returns the last eventId.
std::string first_session(std::uint16_t port, const std::string& channel, int count) {
    ws_peer peer;
    EXPECT_TRUE(peer.connect(port, {{"Authorization", "Bearer " + key_t1}}));
    EXPECT_EQ(peer.subscribe(channel)["type"], "subscribed");
    publish_seq(port, channel, 0, count);
    std::string last;
    for (int i = 0; i < count; ++i)
        last = (*peer.next())["eventId"];
    return last;
}

TEST(Resume, ReconnectingSubscriberGetsTheGapOnceInOrderOnEveryFamily) {
    running_server server;
    for (const std::string channel : {"team:t1", "spec:s1", "agent:a1"}) {
        const auto last = first_session(server.port(), channel, 3);
        publish_seq(server.port(), channel, 3, 103);  // published while nobody listens
        ws_peer peer;
        ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
        const auto ack = subscribe_since(peer, channel, last);
        EXPECT_EQ(ack["payload"]["recovered"], true) << channel;
        for (int i = 3; i < 103; ++i) {
            const auto frame = peer.next();
            ASSERT_TRUE(frame) << channel << " missing " << i;
            ASSERT_EQ((*frame)["payload"]["seq"], i) << channel;
        }
        publish_seq(server.port(), channel, 103, 104);
        EXPECT_EQ((*peer.next())["payload"]["seq"], 103) << "then live events";
    }
}

TEST(Resume, GapLargerThanHistoryIsNotRecoveredAndNotReplayed) {
    auto cfg = test_config();
    cfg.history.size = 10;
    running_server server(cfg);
    const auto last = first_session(server.port(), "team:t1", 1);
    publish_seq(server.port(), "team:t1", 1, 50);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    EXPECT_EQ(subscribe_since(peer, "team:t1", last)["payload"]["recovered"], false);
    peer.send({{"type", "ping"}});
    EXPECT_EQ((*peer.next())["type"], "pong") << "no replay before the pong";
}

TEST(Resume, UnknownForeignAndMalformedIdsAreNotRecovered) {
    running_server server;
    const auto last_t1 = first_session(server.port(), "team:t1", 1);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    // An id of another channel (spec:s1 holds nothing with it), and ids that never existed.
    for (const std::string& since :
         {last_t1, std::string("evt_0000000000000001_5"), std::string("bogus")}) {
        EXPECT_EQ(subscribe_since(peer, "spec:s1", since)["payload"]["recovered"], false) << since;
        peer.send({{"type", "unsubscribe"}, {"channel", "spec:s1"}});
        ASSERT_TRUE(peer.next_of("unsubscribed"));
    }
}

TEST(Resume, RestartedServerDoesNotRecoverOldIds) {
    std::string last;
    std::uint16_t port = 0;
    {
        running_server first;
        port = first.port();
        last = first_session(port, "team:t1", 2);
    }
    auto cfg = test_config();
    cfg.listen_port = port;
    running_server second(cfg);
    publish_seq(second.port(), "team:t1", 0, 5);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(second.port(), {{"Authorization", "Bearer " + key_t1}}));
    EXPECT_EQ(subscribe_since(peer, "team:t1", last)["payload"]["recovered"], false);
    peer.send({{"type", "ping"}});
    EXPECT_EQ((*peer.next())["type"], "pong");
}

TEST(Resume, SinceNeverReplaysAForbiddenChannel) {
    running_server server;
    publish_seq(server.port(), "team:t2", 0, 3);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    peer.send({{"type", "subscribe"}, {"channel", "team:t2"}, {"since", "evt_0000000000000001_1"}});
    const auto answer = *peer.next();
    EXPECT_EQ(answer["payload"]["code"], "forbidden");
    peer.send({{"type", "ping"}});
    EXPECT_EQ((*peer.next())["type"], "pong");
}

TEST(Resume, ResubscribeRacingABurstDeliversEachEventExactlyOnce) {
    auto cfg = test_config();
    cfg.history.size = 10000;
    running_server server(cfg);
    const auto last = first_session(server.port(), "team:t1", 1);
    constexpr int total = 3000;
    std::thread publisher([&] {
        for (int i = 1; i < total; i += 100)
            publish_seq(server.port(), "team:t1", i, std::min(i + 100, total));
    });
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    EXPECT_EQ(subscribe_since(peer, "team:t1", last)["payload"]["recovered"], true);
    int expected = 1;
    while (expected < total) {
        const auto frame = peer.next(10s);
        if (!frame) break;
        ASSERT_EQ((*frame)["payload"]["seq"], expected) << "gap or duplicate";
        ++expected;
    }
    publisher.join();
    EXPECT_EQ(expected, total);
}

}  // namespace
}  // namespace kata::e2e
