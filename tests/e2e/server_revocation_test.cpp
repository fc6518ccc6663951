// Operator safety (issue #14): a resume over a gap larger than the outbound bound, and a reload
// that revokes credentials or channel permissions of open connections.
#include "server_support.hpp"

namespace kata::e2e {
namespace {

TEST(Resume, AGapLargerThanTheOutboundBoundIsReplayedNotCutAsSlow) {
    auto cfg = test_config();
    cfg.limits.max_queued_bytes = 64 * 1024;
    cfg.history.max_bytes = 4 * 1024 * 1024;
    running_server server(cfg);
    std::string since;
    {
        ws_peer first;
        ASSERT_TRUE(first.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
        ASSERT_EQ(first.subscribe("team:t1")["type"], "subscribed");
        ASSERT_EQ(
            publish(server.port(), key_t1,
                    {{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", json::object()}})
                .status,
            200);
        since = (*first.next())["eventId"];
    }
    // 400 events of ~2 KiB: about 800 KiB, far over the 64 KiB bound, well within history.
    const std::string pad(2000, 'p');
    for (int batch = 0; batch < 4; ++batch) {
        json events = json::array();
        for (int i = 0; i < 100; ++i) {
            events.push_back({{"channel", "team:t1"},
                              {"type", "log_entry"},
                              {"payload", {{"seq", batch * 100 + i}, {"pad", pad}}}});
        }
        ASSERT_EQ(publish(server.port(), key_t1, {{"events", events}}).status, 200);
    }
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    peer.send({{"type", "subscribe"}, {"channel", "team:t1"}, {"since", since}});
    const auto ack = peer.next_of("subscribed");
    ASSERT_TRUE(ack) << "closed with " << peer.close_code();
    EXPECT_EQ((*ack)["payload"]["recovered"], true);
    for (int i = 0; i < 400; ++i) {
        const auto event = peer.next();
        ASSERT_TRUE(event) << "missing " << i << ", close code " << peer.close_code();
        ASSERT_EQ((*event)["payload"]["seq"], i);
    }
    ASSERT_EQ(publish(server.port(), key_t1,
                      {{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", {{"seq", 400}}}})
                  .status,
              200);
    EXPECT_EQ((*peer.next())["payload"]["seq"], 400) << "then live events";
}

TEST(Revocation, AReloadEndsSubscriptionsTheDirectoryNoLongerAllows) {
    running_server server;
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(peer.subscribe("spec:s1")["type"], "subscribed");
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    auto cfg = test_config();
    cfg.directory.specs["s1"] = "t2";  // spec s1 moved to another team
    server.srv->reload_directory(std::make_shared<auth::file_directory>(cfg.directory));
    const auto revoked = peer.next_of("unsubscribed");
    ASSERT_TRUE(revoked);
    EXPECT_EQ((*revoked)["channel"], "spec:s1");
    EXPECT_EQ((*revoked)["payload"]["reason"], "revoked");
    ASSERT_EQ(publish(server.port(), key_publish_any,
                      {{"channel", "spec:s1"}, {"type", "log_entry"}, {"payload", {{"n", 1}}}})
                  .status,
              200);
    ASSERT_EQ(publish(server.port(), key_publish_any,
                      {{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", {{"n", 2}}}})
                  .status,
              200);
    const auto next = peer.next();
    ASSERT_TRUE(next);
    EXPECT_EQ((*next)["channel"], "team:t1") << "nothing more from the revoked channel";
}

}  // namespace
}  // namespace kata::e2e
