// Shutdown and directory reload on the in-process server.
#include <thread>

#include "server_support.hpp"

namespace kata::e2e {
namespace {

TEST(Shutdown, EveryClientGets1001) {
    running_server server;
    ws_peer a, b;
    ASSERT_TRUE(a.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(b.connect(server.port(), {{"Authorization", "Bearer " + key_t2}}));
    ASSERT_EQ(a.subscribe("team:t1")["type"], "subscribed");
    std::thread stopper([&] { server.srv->stop(); });
    EXPECT_TRUE(a.wait_closed());
    EXPECT_TRUE(b.wait_closed());
    stopper.join();
    EXPECT_EQ(a.close_code(), 1001);
    EXPECT_EQ(b.close_code(), 1001);
}

TEST(Reload, NewDirectoryAppliesToNewConnectionsAndClosesRevokedOnes) {
    running_server server;
    ws_peer old_peer;
    ASSERT_TRUE(old_peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ws_peer kept_peer;
    ASSERT_TRUE(kept_peer.connect(server.port(), {{"Authorization", "Bearer " + key_t2}}));
    auto cfg = test_config();
    cfg.directory.api_keys.erase(cfg.directory.api_keys.begin());  // revoke key_t1
    server.srv->reload_directory(std::make_shared<auth::file_directory>(cfg.directory));
    ws_peer new_peer;
    ASSERT_TRUE(new_peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(new_peer.wait_closed());
    EXPECT_EQ(new_peer.close_code(), 4401);
    // Revocation reaches open connections too (issue #14), and only those of the revoked key.
    ASSERT_TRUE(old_peer.wait_closed());
    EXPECT_EQ(old_peer.close_code(), 4401);
    kept_peer.send({{"type", "ping"}});
    EXPECT_EQ((*kept_peer.next())["type"], "pong");
}

}  // namespace
}  // namespace kata::e2e
