// POST /v1/disconnect on one node: an `admin` key ends the connections of a user, a key id, a
// team or a credential digest with 4401 `credential revoked` (or, with "channel", only that
// subscription, told `unsubscribed` {"reason":"revoked"}); other connections stay; refusals
// answer the publish API's JSON error; with admin_listen it is served there only.
#include <cctype>

#include "core/auth/digest.hpp"
#include "http_directory_support.hpp"
#include "prometheus_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

const headers session_headers = {{"Cookie", "kata_session=" + session_t1}, {"Origin", good_origin}};

http_result disconnect(std::uint16_t port, const std::string& body,
                       const std::string& key = key_admin) {
    headers h{{"Content-Type", "application/json"}};
    if (!key.empty()) h["Authorization"] = "Bearer " + key;
    return http_request(port, "POST", "/v1/disconnect", body, h);
}

// Open and answering: a ping gets its pong.
bool still_open(ws_peer& peer) {
    peer.send({{"type", "ping"}});
    const auto pong = peer.next_of("pong");
    return pong.has_value() && !peer.closed();
}

void connect_key(ws_peer& peer, std::uint16_t port, const std::string& key) {
    ASSERT_TRUE(peer.connect(port, {{"Authorization", "Bearer " + key}}));
}

TEST(ServerDisconnect, AUsersConnectionsAreClosed4401AndOthersStay) {
    running_server server;
    ws_peer user, key, other_team;
    ASSERT_TRUE(user.connect(server.port(), session_headers));
    ASSERT_EQ(user.subscribe("team:t1")["type"], "subscribed");
    connect_key(key, server.port(), key_t1);  // team t1 too, but an API key, not user u1
    connect_key(other_team, server.port(), key_t2);

    const auto res = disconnect(server.port(), R"({"user":"u1"})");
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body, json({{"matched", 1}})) << res.text;
    ASSERT_TRUE(user.wait_closed(1s)) << "not closed within a second";
    EXPECT_EQ(user.close_code(), 4401);
    EXPECT_EQ(user.close_reason(), "credential revoked");
    EXPECT_TRUE(still_open(key));
    EXPECT_TRUE(still_open(other_team));
    EXPECT_EQ(server.srv->stats().closed_revoked, 1u);
    EXPECT_EQ(metric_value(http_request(server.port(), "GET", "/metrics").text,
                           "kata_rt_closes_total{reason=\"revoked\"}"),
              1);

    // A disconnect does not revoke: the session is still valid at its source.
    ws_peer again;
    ASSERT_TRUE(again.connect(server.port(), session_headers));
    EXPECT_EQ(again.subscribe("team:t1")["type"], "subscribed");
}

TEST(ServerDisconnect, ATeamAKeyIdAndADigestEachMatchTheirConnections) {
    running_server server;
    ws_peer user, key, other_team;
    ASSERT_TRUE(user.connect(server.port(), session_headers));
    connect_key(key, server.port(), key_t1);
    connect_key(other_team, server.port(), key_t2);

    auto res = disconnect(server.port(), R"({"team":"t1"})");
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], 2) << res.text;
    ASSERT_TRUE(user.wait_closed(1s));
    ASSERT_TRUE(key.wait_closed(1s));
    EXPECT_EQ(user.close_code(), 4401);
    EXPECT_EQ(key.close_code(), 4401);
    EXPECT_TRUE(still_open(other_team));

    res = disconnect(server.port(), R"({"key_id":"t2"})");
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], 1) << res.text;
    ASSERT_TRUE(other_team.wait_closed(1s));
    EXPECT_EQ(other_team.close_reason(), "credential revoked");

    // The digest, in capitals: matched whatever the case of its hex digits.
    ws_peer by_digest, bystander;
    connect_key(by_digest, server.port(), key_t1);
    connect_key(bystander, server.port(), key_t2);
    std::string digest = auth::sha256_hex(key_t1);
    for (auto& c : digest)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    res = disconnect(server.port(), json({{"sha256", digest}}).dump());
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], 1) << res.text;
    ASSERT_TRUE(by_digest.wait_closed(1s));
    EXPECT_EQ(by_digest.close_code(), 4401);
    EXPECT_TRUE(still_open(bystander));

    res = disconnect(server.port(), R"({"user":"nobody"})");
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], 0) << res.text;
    EXPECT_EQ(server.srv->stats().closed_revoked, 4u);
}

TEST(ServerDisconnect, WithAChannelOnlyThatSubscriptionEnds) {
    running_server server;
    ws_peer peer, bystander;
    connect_key(peer, server.port(), key_t1);
    ASSERT_EQ(peer.subscribe("team:t1", "a")["type"], "subscribed");
    ASSERT_EQ(peer.subscribe("spec:s1", "b")["type"], "subscribed");
    connect_key(bystander, server.port(), key_t1);  // same key, not subscribed to spec:s1

    const auto res = disconnect(server.port(), R"({"key_id":"t1","channel":"spec:s1"})");
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], 1) << "only the connection that held the channel";
    const auto ended = peer.next_of("unsubscribed", 1s);
    ASSERT_TRUE(ended) << "closed: " << peer.close_code();
    EXPECT_EQ((*ended)["channel"], "spec:s1");
    EXPECT_EQ((*ended)["payload"], json({{"reason", "revoked"}})) << peer.last_text();

    // The connection stays, with its other subscription: an event of spec:s1 no longer comes,
    // the team's does.
    ASSERT_EQ(publish(server.port(), key_t1,
                      {{"channel", "spec:s1"}, {"type", "log_entry"}, {"payload", {{"n", 1}}}})
                  .status,
              200);
    ASSERT_EQ(publish(server.port(), key_t1,
                      {{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", {{"n", 2}}}})
                  .status,
              200);
    const auto next = peer.next();
    ASSERT_TRUE(next) << "closed: " << peer.close_code();
    EXPECT_EQ((*next)["channel"], "team:t1") << peer.last_text();
    EXPECT_TRUE(still_open(bystander));
    EXPECT_EQ(server.srv->stats().closed_revoked, 0u);
}

TEST(ServerDisconnect, RefusalsAnswerWithTheJsonError) {
    running_server server;
    const auto expect_error = [&](const http_result& r, int status, const std::string& code) {
        EXPECT_EQ(r.status, status) << r.text;
        EXPECT_EQ(r.body["error"]["code"], code) << r.text;
        EXPECT_TRUE(r.body["error"]["message"].is_string()) << r.text;
    };
    expect_error(disconnect(server.port(), R"({"user":"u1"})", ""), 401, "unauthorized");
    expect_error(disconnect(server.port(), R"({"user":"u1"})", "no-such-key"), 401, "unauthorized");
    // A session cookie is not an API key, whoever holds it.
    expect_error(
        http_request(server.port(), "POST", "/v1/disconnect", R"({"user":"u1"})", session_headers),
        401, "unauthorized");
    const auto forbidden = disconnect(server.port(), R"({"user":"u1"})", key_publish_any);
    expect_error(forbidden, 403, "forbidden");
    EXPECT_NE(forbidden.text.find("admin"), std::string::npos) << forbidden.text;

    for (const char* body :
         {"", "not json", "[]", "{}", R"({"user":""})", R"({"user":1})",
          R"({"user":"u1","team":"t1"})", R"({"user":"u1","extra":true})", R"({"sha256":"abc"})",
          R"({"user":"u1","channel":"nope"})", R"({"user":"u1","channel":5})"}) {
        expect_error(disconnect(server.port(), body), 400, "invalid_request");
    }
    expect_error(http_request(server.port(), "GET", "/v1/disconnect", "",
                              {{"Authorization", "Bearer " + key_admin}}),
                 405, "method_not_allowed");
}

TEST(ServerDisconnect, WithAdminListenItIsServedThereOnly) {
    auto cfg = test_config();
    cfg.admin_listen = std::pair<std::string, std::uint16_t>{"127.0.0.1", 0};
    running_server server(cfg);
    const auto admin = server.srv->admin_port();
    ASSERT_NE(admin, 0);
    ws_peer user;
    ASSERT_TRUE(user.connect(server.port(), session_headers));

    const auto public_side = disconnect(server.port(), R"({"user":"u1"})");
    EXPECT_EQ(public_side.status, 404) << public_side.text;
    EXPECT_TRUE(still_open(user));

    EXPECT_EQ(disconnect(admin, R"({"user":"u1"})", key_t1).status, 403);
    EXPECT_EQ(disconnect(admin, R"({"user":"u1"}")").status, 400);
    const auto res = disconnect(admin, R"({"user":"u1"})");
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], 1) << res.text;
    ASSERT_TRUE(user.wait_closed(1s));
    EXPECT_EQ(user.close_code(), 4401);
    EXPECT_EQ(user.close_reason(), "credential revoked");
}

TEST(ServerDisconnect, TheHttpDirectoryAsksAfreshForTheCredentialsItNamed) {
    http_directory_fixture f;
    f.backend.set_credential(auth::sha256_hex(key_admin),
                             {200, R"({"id":"admin","team":"ops","scopes":["admin"]})"});
    f.start();
    ws_peer named, other;
    connect_key(named, f.port(), key_t1);
    connect_key(other, f.port(), key_t2);
    // The admin key's own lookup is cached by a first disconnect that matches nobody.
    ASSERT_EQ(disconnect(f.port(), R"({"user":"nobody"})").status, 200);
    const int asked = f.backend.authenticate_count();

    const auto res = disconnect(f.port(), R"({"key_id":"t1"})");
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], 1);
    ASSERT_TRUE(named.wait_closed(1s));
    EXPECT_EQ(named.close_reason(), "credential revoked");
    EXPECT_EQ(f.backend.authenticate_count(), asked) << "the disconnect itself was cached";

    ws_peer again, other_again;
    connect_key(other_again, f.port(), key_t2);
    EXPECT_TRUE(still_open(other_again));
    EXPECT_EQ(f.backend.authenticate_count(), asked) << "another key's answer stays cached";
    connect_key(again, f.port(), key_t1);
    EXPECT_TRUE(still_open(again));
    EXPECT_EQ(f.backend.authenticate_count(), asked + 1) << "the named key is asked afresh";
}

}  // namespace
}  // namespace kata::e2e
