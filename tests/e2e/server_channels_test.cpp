// PROTOCOL.md "Channels and authorization" and the soft errors, over real sockets.
#include "server_support.hpp"

namespace kata::e2e {
namespace {

class Channels : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    }
    running_server server;
    ws_peer peer;
};

TEST_F(Channels, EachFamilyOfOwnTeamIsAllowed) {
    for (const std::string ch : {"team:t1", "spec:s1", "agent:a1"}) {
        const auto answer = peer.subscribe(ch, "req-" + ch);
        EXPECT_EQ(answer["type"], "subscribed") << ch;
        EXPECT_EQ(answer["channel"], ch);
        EXPECT_EQ(answer["payload"]["requestId"], "req-" + ch);
    }
}

TEST_F(Channels, OtherTeamAndUnknownIdsAnswerTheSameForbidden) {
    for (const std::string ch : {"team:t2", "spec:s2", "spec:unknown", "agent:unknown"}) {
        const auto answer = peer.subscribe(ch, "x");
        EXPECT_EQ(answer["type"], "error") << ch;
        EXPECT_EQ(answer["payload"]["code"], "forbidden") << ch;
        EXPECT_EQ(answer["channel"], ch);
        EXPECT_EQ(answer["payload"]["requestId"], "x");
    }
    EXPECT_EQ(peer.subscribe("team:t1")["type"], "subscribed") << "the connection stays open";
}

TEST_F(Channels, NamesOutsideTheGrammarAreInvalidChannel) {
    for (const std::string& ch : {std::string("team:"), std::string("room:1"),
                                  std::string("team:a b"), "team:" + std::string(129, 'a')}) {
        const auto answer = peer.subscribe(ch);
        EXPECT_EQ(answer["payload"]["code"], "invalid_channel") << ch;
    }
}

TEST_F(Channels, InvalidJsonUnknownCommandAndBinaryKeepTheConnectionOpen) {
    peer.send_text("{not json");
    EXPECT_EQ((*peer.next())["payload"]["code"], "invalid_json");
    peer.send_text(R"({"type":"dance","requestId":"d1"})");
    auto err = *peer.next();
    EXPECT_EQ(err["payload"]["code"], "invalid_command");
    EXPECT_EQ(err["payload"]["requestId"], "d1");
    peer.send_text("[1,2]");
    EXPECT_EQ((*peer.next())["payload"]["code"], "invalid_command");
    peer.send_binary("\x01\x02");
    EXPECT_EQ((*peer.next())["payload"]["code"], "unsupported_frame");
    peer.send({{"type", "ping"}, {"requestId", "p1"}});
    const auto pong = *peer.next();
    EXPECT_EQ(pong["type"], "pong");
    EXPECT_EQ(pong["payload"]["requestId"], "p1");
}

TEST_F(Channels, ControlEnvelopesCarryAllFields) {
    peer.send({{"type", "ping"}});
    const auto pong = *peer.next();
    EXPECT_TRUE(pong["timestamp"].is_string());
    EXPECT_FALSE(pong["eventId"].get<std::string>().empty());
    EXPECT_EQ(pong["encoding"], "json");
    EXPECT_TRUE(pong["payload"].is_object());
}

TEST_F(Channels, UnsubscribeIsIdempotentAndStopsDelivery) {
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    peer.send({{"type", "unsubscribe"}, {"channel", "team:t1"}, {"requestId", "u1"}});
    auto answer = *peer.next();
    EXPECT_EQ(answer["type"], "unsubscribed");
    EXPECT_EQ(answer["payload"]["requestId"], "u1");
    peer.send({{"type", "unsubscribe"}, {"channel", "team:t1"}});
    EXPECT_EQ((*peer.next())["type"], "unsubscribed");
    ASSERT_EQ(publish(server.port(), key_t1,
                      {{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", json::object()}})
                  .status,
              200);
    // The next frame is the pong, not the event published after the unsubscribe.
    peer.send({{"type", "ping"}});
    EXPECT_EQ((*peer.next())["type"], "pong");
}

TEST_F(Channels, SubscribingTwiceDeliversEachEventOnce) {
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    ASSERT_EQ(
        publish(server.port(), key_t1, {{"channel", "team:t1"}, {"type", "log_entry"}}).status,
        200);
    EXPECT_EQ((*peer.next())["type"], "log_entry");
    peer.send({{"type", "ping"}});
    EXPECT_EQ((*peer.next())["type"], "pong");
}

TEST_F(Channels, SubscriptionLimitAnswersAnError) {
    config::server_config cfg = test_config();
    cfg.limits.max_subscriptions = 2;
    running_server small(cfg);
    ws_peer p;
    ASSERT_TRUE(p.connect(small.port(), {{"Authorization", "Bearer " + key_t1}}));
    EXPECT_EQ(p.subscribe("team:t1")["type"], "subscribed");
    EXPECT_EQ(p.subscribe("spec:s1")["type"], "subscribed");
    const auto answer = p.subscribe("agent:a1");
    EXPECT_EQ(answer["payload"]["code"], "subscription_limit");
    EXPECT_EQ(p.subscribe("team:t1")["type"], "subscribed") << "re-subscribing is not a new one";
}

TEST(ChannelsFailClosed, DirectoryErrorOnSubscribeIsAuthorizationUnavailable) {
    auto cfg = test_config();
    running_server server(cfg, std::make_shared<flaky_lookup_directory>(cfg.directory));
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    for (const std::string ch : {"spec:s1", "agent:a1"}) {
        const auto answer = peer.subscribe(ch);
        EXPECT_EQ(answer["payload"]["code"], "authorization_unavailable") << ch;
    }
    EXPECT_EQ(peer.subscribe("team:t1")["type"], "subscribed") << "connection stays open";
}

}  // namespace
}  // namespace kata::e2e
