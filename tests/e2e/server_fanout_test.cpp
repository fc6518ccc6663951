// Fanout: every subscriber of a channel gets each of its events once, in publish order.
#include <thread>

#include "core/protocol/channel.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

TEST(Fanout, HundredsOfSubscribersOverSeveralChannelsGetExactlyTheirEventsInOrder) {
    running_server server;
    const std::vector<std::string> channels = {"team:t1", "spec:s1", "agent:a1", "team:t2"};
    constexpr int per_channel = 30;
    constexpr int events = 40;
    std::vector<std::unique_ptr<ws_peer>> peers;
    for (std::size_t c = 0; c < channels.size(); ++c) {
        const auto& key = channels[c] == "team:t2" ? key_t2 : key_t1;
        for (int i = 0; i < per_channel; ++i) {
            auto peer = std::make_unique<ws_peer>();
            ASSERT_TRUE(peer->connect(server.port(), {{"Authorization", "Bearer " + key}}));
            ASSERT_EQ(peer->subscribe(channels[c])["type"], "subscribed");
            peers.push_back(std::move(peer));
        }
    }
    // Interleave channels in batches so ordering is per channel, not per request.
    for (int seq = 0; seq < events; seq += 10) {
        json batch = json::array();
        for (int s = seq; s < seq + 10; ++s) {
            for (const auto& ch : channels) {
                batch.push_back({{"channel", ch},
                                 {"type", "log_entry"},
                                 {"payload", {{"seq", s}, {"channel", ch}}}});
            }
        }
        const auto res = publish(server.port(), key_publish_any, {{"events", batch}});
        ASSERT_EQ(res.status, 200);
        ASSERT_EQ(res.body["eventIds"].size(), batch.size());
    }
    for (std::size_t p = 0; p < peers.size(); ++p) {
        const auto& channel = channels[p / per_channel];
        std::string last_id;
        for (int s = 0; s < events; ++s) {
            const auto frame = peers[p]->next();
            ASSERT_TRUE(frame) << "peer " << p << " missed event " << s;
            ASSERT_EQ((*frame)["channel"], channel);
            ASSERT_EQ((*frame)["payload"]["seq"], s) << "peer " << p;
            ASSERT_EQ((*frame)["type"], "log_entry");
            ASSERT_NE((*frame)["eventId"], last_id);
            last_id = (*frame)["eventId"];
        }
        peers[p]->send({{"type", "ping"}});
        ASSERT_EQ((*peers[p]->next())["type"], "pong") << "peer " << p << " got an extra event";
    }
}

TEST(Fanout, SameEventCarriesTheSameIdOnEveryConnection) {
    running_server server;
    ws_peer a, b;
    ASSERT_TRUE(a.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(b.connect(server.port(), {{"X-API-Key", key_t1}}));
    ASSERT_EQ(a.subscribe("spec:s1")["type"], "subscribed");
    ASSERT_EQ(b.subscribe("spec:s1")["type"], "subscribed");
    const auto res =
        publish(server.port(), key_t1,
                {{"channel", "spec:s1"}, {"type", "spec_updated"}, {"payload", {{"v", 2}}}});
    ASSERT_EQ(res.status, 200);
    const auto ea = *a.next();
    const auto eb = *b.next();
    EXPECT_EQ(ea["eventId"], res.body["eventId"]);
    EXPECT_EQ(eb["eventId"], res.body["eventId"]);
    EXPECT_EQ(ea, eb);
    EXPECT_EQ(ea["encoding"], "json");
    EXPECT_EQ(ea["payload"]["v"], 2);
}

TEST(Fanout, InProcessPublisherReachesSubscribers) {
    running_server server;
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(peer.subscribe("agent:a1")["type"], "subscribed");
    const auto id = server.srv->hub().publish(*protocol::parse_channel("agent:a1"),
                                              "agent_status_changed", R"({"status":"idle"})");
    const auto frame = *peer.next();
    EXPECT_EQ(frame["eventId"], id);
    EXPECT_EQ(frame["payload"]["status"], "idle");
}

}  // namespace
}  // namespace kata::e2e
