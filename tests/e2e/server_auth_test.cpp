// PROTOCOL.md "Auth on connect", over real sockets.
#include "server_support.hpp"

namespace kata::e2e {
namespace {

class AuthOnConnect : public ::testing::Test {
  protected:
    running_server server;
};

TEST_F(AuthOnConnect, BearerKeyConnectsAndSubscribes) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    EXPECT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
}

TEST_F(AuthOnConnect, XApiKeyHeaderConnects) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"X-API-Key", key_t1}}));
    EXPECT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
}

TEST_F(AuthOnConnect, UnknownBearerKeyIsClosedWith4401) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer wrong"}}));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4401);
    EXPECT_EQ(peer.close_reason(), "unauthorized");
}

TEST_F(AuthOnConnect, UnknownXApiKeyIsClosedWith4401) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"X-API-Key", "wrong"}}));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4401);
}

TEST_F(AuthOnConnect, NoCredentialIsClosedWith4401) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port()));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4401);
}

TEST_F(AuthOnConnect, KeyWithoutSubscribeScopeIsClosedWith4403) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_no_subscribe}}));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4403);
}

TEST_F(AuthOnConnect, KeyHeaderWinsOverAValidCookie) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"X-API-Key", "wrong"},
                                             {"Cookie", "kata_session=" + session_t1},
                                             {"Origin", good_origin}}));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4401);
}

TEST_F(AuthOnConnect, SessionCookieWithAllowedOriginConnects) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Cookie", "theme=dark; kata_session=" + session_t1},
                                             {"Origin", good_origin}}));
    EXPECT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
}

TEST_F(AuthOnConnect, UnknownSessionIsClosedWith4401) {
    ws_peer peer;
    ASSERT_TRUE(
        peer.connect(server.port(), {{"Cookie", "kata_session=nope"}, {"Origin", good_origin}}));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4401);
}

TEST_F(AuthOnConnect, SessionWithoutOriginIsRefusedWith403BeforeUpgrade) {
    ws_peer peer;
    EXPECT_FALSE(peer.connect(server.port(), {{"Cookie", "kata_session=" + session_t1}}));
    EXPECT_EQ(peer.http_status(), 403);
}

TEST_F(AuthOnConnect, SessionWithNullOriginIsRefusedWith403) {
    ws_peer peer;
    EXPECT_FALSE(peer.connect(server.port(),
                              {{"Cookie", "kata_session=" + session_t1}, {"Origin", "null"}}));
    EXPECT_EQ(peer.http_status(), 403);
}

TEST_F(AuthOnConnect, SessionWithUnlistedOriginIsRefusedWith403) {
    for (const std::string origin : {"https://evil.example.com", "https://app.example.com:443",
                                     "HTTPS://APP.EXAMPLE.COM", "https://app.example.com/"}) {
        ws_peer peer;
        EXPECT_FALSE(peer.connect(server.port(),
                                  {{"Cookie", "kata_session=" + session_t1}, {"Origin", origin}}))
            << origin;
        EXPECT_EQ(peer.http_status(), 403) << origin;
    }
}

TEST_F(AuthOnConnect, OfferedSubprotocolIsSelected) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}, true));
    EXPECT_EQ(peer.subprotocol(), "kata-rt.v1");
}

TEST(AuthOnConnectFailClosed, DirectoryFailureClosesWith4503) {
    running_server server(test_config(), std::make_shared<failing_directory>());
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4503);
    EXPECT_EQ(peer.close_reason(), "auth unavailable");
}

TEST(AuthOnConnectFailClosed, DirectoryFailureOnSessionClosesWith4503) {
    running_server server(test_config(), std::make_shared<failing_directory>());
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(),
                             {{"Cookie", "kata_session=" + session_t1}, {"Origin", good_origin}}));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4503);
}

}  // namespace
}  // namespace kata::e2e
