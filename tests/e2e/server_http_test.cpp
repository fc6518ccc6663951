// The HTTP side: health, publish API errors, JSON error bodies.
#include "server_support.hpp"

namespace kata::e2e {
namespace {

class Http : public ::testing::Test {
  protected:
    running_server server;
    static json event(const std::string& channel) {
        return {{"channel", channel}, {"type", "task_completed"}, {"payload", {{"ok", true}}}};
    }
};

TEST_F(Http, HealthzAnswersOk) {
    const auto res = http_request(server.port(), "GET", "/healthz");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, json({{"status", "ok"}}));
}

TEST_F(Http, UnknownPathIs404WithJsonError) {
    const auto res = http_request(server.port(), "GET", "/nope");
    EXPECT_EQ(res.status, 404);
    EXPECT_EQ(res.body["error"]["code"], "not_found");
    EXPECT_TRUE(res.body["error"]["message"].is_string());
}

TEST_F(Http, PublishSingleAndBatchReturnIds) {
    const auto one = publish(server.port(), key_t1, event("team:t1"));
    EXPECT_EQ(one.status, 200);
    EXPECT_TRUE(one.body["eventId"].get<std::string>().starts_with("evt_"));
    const auto many =
        publish(server.port(), key_t1, {{"events", {event("team:t1"), event("spec:s1")}}});
    EXPECT_EQ(many.status, 200);
    ASSERT_EQ(many.body["eventIds"].size(), 2u);
    EXPECT_NE(many.body["eventIds"][0], many.body["eventIds"][1]);
}

TEST_F(Http, PublishWithoutKeyIs401) {
    const auto res = http_request(server.port(), "POST", "/v1/publish", event("team:t1").dump());
    EXPECT_EQ(res.status, 401);
    EXPECT_EQ(res.body["error"]["code"], "unauthorized");
    EXPECT_EQ(publish(server.port(), "bogus", event("team:t1")).status, 401);
}

TEST_F(Http, PublishScopeAndChannelAreChecked) {
    EXPECT_EQ(publish(server.port(), key_t2, event("team:t2")).status, 403) << "no publish scope";
    EXPECT_EQ(publish(server.port(), key_t1, event("team:t2")).status, 403) << "other team";
    EXPECT_EQ(publish(server.port(), key_t1, event("spec:s2")).status, 403) << "other team's spec";
    EXPECT_EQ(publish(server.port(), key_publish_any, event("spec:s2")).status, 200);
}

TEST_F(Http, ForbiddenEventInABatchPublishesNothing) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    const auto res =
        publish(server.port(), key_t1, {{"events", {event("team:t1"), event("team:t2")}}});
    EXPECT_EQ(res.status, 403);
    peer.send({{"type", "ping"}});
    EXPECT_EQ((*peer.next())["type"], "pong");
}

TEST_F(Http, InvalidPublishBodiesAre400) {
    const headers auth = {{"Authorization", "Bearer " + key_t1}};
    for (const std::string body :
         {"not json", "[]", R"({"channel":"team:t1","type":"subscribed"})",
          R"({"channel":"room:1","type":"log_entry"})",
          R"({"channel":"team:t1","type":"log_entry","payload":[1]})", R"({"events":[]})"}) {
        const auto res = http_request(server.port(), "POST", "/v1/publish", body, auth);
        EXPECT_EQ(res.status, 400) << body;
        EXPECT_EQ(res.body["error"]["code"], "invalid_request") << body;
    }
}

TEST_F(Http, OverlongBatchIs400AndHugeBodyIs413) {
    json events = json::array();
    for (int i = 0; i < 1001; ++i)
        events.push_back(event("team:t1"));
    EXPECT_EQ(publish(server.port(), key_t1, {{"events", events}}).status, 400);
    // The server answers as soon as it reads the Content-Length, before any of the body.
    const auto res =
        http_raw(server.port(), "POST /v1/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                    key_t1 + "\r\nContent-Length: 9437184\r\n\r\n");
    EXPECT_EQ(res.status, 413);
    EXPECT_EQ(res.body["error"]["code"], "payload_too_large");
}

TEST(HttpFailClosed, PublishWithDirectoryDownIs503) {
    running_server server(test_config(), std::make_shared<failing_directory>());
    const auto res =
        publish(server.port(), key_t1, {{"channel", "team:t1"}, {"type", "log_entry"}});
    EXPECT_EQ(res.status, 503);
}

}  // namespace
}  // namespace kata::e2e
