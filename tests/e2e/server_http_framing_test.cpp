// Issue #14: HTTP framing the server used to get wrong. Each test speaks raw bytes on one
// connection, so a desynchronised stream (a body served as a request, a HEAD answer with a body)
// shows up as the wrong next response.
#include "raw_http.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

const std::string publish_body = R"({"channel":"team:t1","type":"log_entry","payload":{}})";

std::string publish_head(const std::string& extra) {
    return "POST /v1/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_t1 + "\r\n" +
           extra + "\r\n";
}

json body_of(const raw_response& res) {
    return json::parse(res.body, nullptr, false);
}

class HttpFraming : public ::testing::Test {
  protected:
    running_server server;
};

// Item 5: with a final coding other than chunked the body used to be read as empty and the
// bytes behind it served as the next request (here a GET /healthz that answered 200).
TEST_F(HttpFraming, TransferEncodingOtherThanChunkedIs400AndCloses) {
    const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    for (const std::string te :
         {"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: chunked, identity\r\n",
          "Transfer-Encoding: identity\r\n",
          "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n",
          "Transfer-Encoding: chunked, chunked\r\n",
          "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
          "Content-Length: 5\r\nTransfer-Encoding: xchunked\r\n"}) {
        raw_http conn(server.port());
        ASSERT_TRUE(conn.connected());
        ASSERT_TRUE(conn.send(publish_head(te) + smuggled));
        EXPECT_TRUE(conn.read_to_eof(5s)) << te << "the connection must close";
        const auto responses = split_responses(conn.received());
        ASSERT_EQ(responses.size(), 1u) << te << conn.received();
        EXPECT_EQ(responses[0].status, 400) << te;
        EXPECT_EQ(body_of(responses[0])["error"]["code"], "bad_request") << te;
    }
}

TEST_F(HttpFraming, ChunkedPublishStillWorks) {
    raw_http conn(server.port());
    ASSERT_TRUE(conn.connected());
    char size[16];
    std::snprintf(size, sizeof size, "%zx", publish_body.size());
    ASSERT_TRUE(conn.send(publish_head("Transfer-Encoding: chunked\r\nConnection: close\r\n") +
                          size + "\r\n" + publish_body + "\r\n0\r\n\r\n"));
    ASSERT_TRUE(conn.read_to_eof(5s));
    const auto responses = split_responses(conn.received());
    ASSERT_EQ(responses.size(), 1u) << conn.received();
    EXPECT_EQ(responses[0].status, 200) << conn.received();
}

// Item 6: a HEAD answer used to carry the body, which the client then read as the start of the
// next response on the kept-alive connection.
TEST_F(HttpFraming, HeadAnswersCarryHeadersOnly) {
    raw_http conn(server.port());
    ASSERT_TRUE(conn.connected());
    ASSERT_TRUE(
        conn.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                  "HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                  "HEAD /v1/publish HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    ASSERT_TRUE(conn.read_to_eof(5s));
    const auto responses = split_responses(conn.received(), {true, true, true, false});
    ASSERT_EQ(responses.size(), 4u) << conn.received();
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(header_value(responses[0].head, "Content-Length"), "15");  // {"status":"ok"}
    EXPECT_EQ(responses[1].status, 404);
    EXPECT_NE(header_value(responses[1].head, "Content-Length"), "");
    EXPECT_EQ(responses[2].status, 405);
    EXPECT_EQ(responses[3].status, 200);
    EXPECT_EQ(body_of(responses[3]), json({{"status", "ok"}}));
}

// Item 7: curl sends `Expect: 100-continue` for bodies over 1 MiB and waited a second for an
// answer that never came.
TEST_F(HttpFraming, ExpectContinueIsAnsweredBeforeTheBody) {
    raw_http conn(server.port());
    ASSERT_TRUE(conn.connected());
    ASSERT_TRUE(
        conn.send(publish_head("Expect: 100-continue\r\nConnection: close\r\n"
                               "Content-Length: " +
                               std::to_string(publish_body.size()) + "\r\n")));
    ASSERT_TRUE(conn.read_until("\r\n\r\n", 5s)) << "no interim answer";
    EXPECT_TRUE(conn.received().starts_with("HTTP/1.1 100 Continue\r\n")) << conn.received();
    ASSERT_TRUE(conn.send(publish_body));
    ASSERT_TRUE(conn.read_to_eof(5s));
    const auto responses = split_responses(conn.received());
    ASSERT_EQ(responses.size(), 2u) << conn.received();
    EXPECT_EQ(responses[0].status, 100);
    EXPECT_EQ(responses[1].status, 200);
    EXPECT_TRUE(body_of(responses[1])["eventId"].is_string());
}

TEST_F(HttpFraming, ExpectContinueWithBadKeyIsRefusedWithoutTheBody) {
    for (const std::string auth : {"", "Authorization: Bearer bogus\r\n"}) {
        raw_http conn(server.port());
        ASSERT_TRUE(conn.connected());
        ASSERT_TRUE(conn.send("POST /v1/publish HTTP/1.1\r\nHost: x\r\n" + auth +
                              "Expect: 100-continue\r\nContent-Length: 100000\r\n\r\n"));
        // The body is never sent: the answer and the close come from the headers alone.
        ASSERT_TRUE(conn.read_to_eof(5s)) << auth;
        const auto responses = split_responses(conn.received());
        ASSERT_EQ(responses.size(), 1u) << conn.received();
        EXPECT_EQ(responses[0].status, 401) << auth;
        EXPECT_EQ(body_of(responses[0])["error"]["code"], "unauthorized");
    }
}

TEST_F(HttpFraming, ExpectContinueOverTheBodyLimitIs413AtOnce) {
    raw_http conn(server.port());
    ASSERT_TRUE(conn.connected());
    ASSERT_TRUE(conn.send(publish_head("Expect: 100-continue\r\nContent-Length: 9437184\r\n")));
    ASSERT_TRUE(conn.read_to_eof(5s));
    const auto responses = split_responses(conn.received());
    ASSERT_EQ(responses.size(), 1u) << conn.received();
    EXPECT_EQ(responses[0].status, 413);
}

// Item 3, end to end: everything after a NUL byte used to be ignored.
TEST_F(HttpFraming, PublishBodyWithBytesAfterTheJsonIs400) {
    const headers auth = {{"Authorization", "Bearer " + key_t1}};
    const std::string nul(1, '\0');
    for (const std::string& tail : {nul + R"({"channel":"team:t2"})", nul, std::string(" x")}) {
        const auto res = http_request(server.port(), "POST", "/v1/publish",
                                      R"({"channel":"team:t1","type":"log_entry"})" + tail, auth);
        EXPECT_EQ(res.status, 400);
        EXPECT_EQ(res.body["error"]["code"], "invalid_request");
    }
}

// Item 2, end to end: subscribers receive the payload's JSON as published.
TEST_F(HttpFraming, PayloadIsDeliveredAsPublished) {
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    const std::string payload =
        R"({"z":123456789012345678901234567890,"a":"\u00e9","n":1.50,"e":1E2,"s":"a\/b"})";
    const auto res = http_request(
        server.port(), "POST", "/v1/publish",
        "{\"channel\":\"team:t1\",\"type\":\"log_entry\",\"payload\": " + payload + " }",
        {{"Authorization", "Bearer " + key_t1}});
    ASSERT_EQ(res.status, 200);
    ASSERT_TRUE(peer.next_of("log_entry"));
    EXPECT_NE(peer.last_text().find(",\"payload\":" + payload + "}"), std::string::npos)
        << peer.last_text();

    const auto dup =
        http_request(server.port(), "POST", "/v1/publish",
                     R"({"channel":"team:t1","type":"log_entry","payload":{"a":1,"a":2}})",
                     {{"Authorization", "Bearer " + key_t1}});
    EXPECT_EQ(dup.status, 400);
}

// Two Origin (or Cookie) headers: the Origin check and the cookie lookup could each read a
// different one. Refused before the upgrade.
TEST_F(HttpFraming, RepeatedOriginOrCookieOnUpgradeIs400) {
    const std::string upgrade =
        "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    const std::string cookie = "Cookie: kata_session=" + session_t1 + "\r\n";
    for (const std::string& extra :
         {"Origin: " + good_origin + "\r\nOrigin: https://evil.example\r\n" + cookie,
          "Origin: https://evil.example\r\nOrigin: " + good_origin + "\r\n" + cookie,
          "Origin: " + good_origin + "\r\n" + cookie + "Cookie: kata_session=other\r\n"}) {
        raw_http conn(server.port());
        ASSERT_TRUE(conn.connected());
        ASSERT_TRUE(conn.send(upgrade + extra + "\r\n"));
        ASSERT_TRUE(conn.read_to_eof(5s)) << extra;
        const auto responses = split_responses(conn.received());
        ASSERT_EQ(responses.size(), 1u) << conn.received();
        EXPECT_EQ(responses[0].status, 400) << extra;
        EXPECT_EQ(body_of(responses[0])["error"]["code"], "bad_request");
    }
    // One of each still upgrades.
    raw_http conn(server.port());
    ASSERT_TRUE(conn.send(upgrade + "Origin: " + good_origin + "\r\n" + cookie + "\r\n"));
    ASSERT_TRUE(conn.read_until("\r\n\r\n", 5s));
    EXPECT_TRUE(conn.received().starts_with("HTTP/1.1 101")) << conn.received();
}

}  // namespace
}  // namespace kata::e2e
