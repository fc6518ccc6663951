// The HTTP directory against a real backend on loopback: each auth path, ownership, failures
// (slow, down, malformed) failing closed, and secrets never leaving the gateway.
#include <atomic>
#include <thread>

#include "core/protocol/channel.hpp"
#include "core/server/ops/log.hpp"
#include "http_directory_support.hpp"

namespace kata::e2e {
namespace {

class HttpDirectory : public ::testing::Test {
  protected:
    http_directory_fixture f;
};

TEST_F(HttpDirectory, ApiKeyConnectsAndSubscribesByOwnership) {
    f.start();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
    EXPECT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    EXPECT_EQ(peer.subscribe("spec:s1")["type"], "subscribed");
    EXPECT_EQ(peer.subscribe("agent:a1")["type"], "subscribed");
    // Another team's spec and an unknown one answer the same: no existence oracle.
    const auto other = peer.subscribe("spec:s2");
    EXPECT_EQ(other["payload"]["code"], "forbidden");
    const auto unknown = peer.subscribe("spec:nope");
    EXPECT_EQ(unknown["payload"]["code"], "forbidden");
    EXPECT_EQ(peer.subscribe("team:t2")["payload"]["code"], "forbidden");
}

TEST_F(HttpDirectory, SessionCookieConnectsWithSubscribeOnly) {
    f.start();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(f.port(),
                             {{"Cookie", "kata_session=" + session_t1}, {"Origin", good_origin}}));
    EXPECT_EQ(peer.subscribe("spec:s1")["type"], "subscribed");
    // The backend was asked about a session, by digest.
    bool asked = false;
    for (const auto& r : f.backend.requests()) {
        const auto body = json::parse(r.body);
        if (body.value("credential", "") == "session") {
            asked = true;
            EXPECT_EQ(body["sha256"], auth::sha256_hex(session_t1));
        }
    }
    EXPECT_TRUE(asked);
}

TEST_F(HttpDirectory, UnknownKeyIs4401AndKeyWithoutSubscribeIs4403) {
    f.start();
    ws_peer unknown;
    ASSERT_TRUE(unknown.connect(f.port(), bearer("no-such-key")));
    ASSERT_TRUE(unknown.wait_closed());
    EXPECT_EQ(unknown.close_code(), 4401);
    ws_peer publish_only;
    ASSERT_TRUE(publish_only.connect(f.port(), bearer(key_no_subscribe)));
    ASSERT_TRUE(publish_only.wait_closed());
    EXPECT_EQ(publish_only.close_code(), 4403);
}

TEST_F(HttpDirectory, ServerErrorAndMalformedBodiesFailClosed) {
    f.start();
    for (const directory_backend::answer& bad :
         {directory_backend::answer{500, R"({"id":"t1","team":"t1","scopes":["subscribe"]})"},
          directory_backend::answer{200, "not json"},
          directory_backend::answer{200, R"({"id":"t1","scopes":["subscribe"]})"},
          directory_backend::answer{302, ""}}) {
        f.dir->clear_cache();
        f.backend.force(bad);
        ws_peer peer;
        ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
        ASSERT_TRUE(peer.wait_closed()) << bad.status << " " << bad.body;
        EXPECT_EQ(peer.close_code(), 4503) << bad.status << " " << bad.body;
        EXPECT_EQ(peer.close_reason(), "auth unavailable");
    }
}

TEST_F(HttpDirectory, OwnerLookupFailureIsAuthorizationUnavailableAndTheConnectionStays) {
    f.start();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
    EXPECT_EQ(peer.subscribe("team:t1")["type"], "subscribed");  // caches the principal
    f.backend.force(directory_backend::answer{503, ""});
    const auto answer = peer.subscribe("spec:s1");
    EXPECT_EQ(answer["type"], "error");
    EXPECT_EQ(answer["payload"]["code"], "authorization_unavailable");
    f.backend.force(std::nullopt);
    EXPECT_EQ(peer.subscribe("spec:s1")["type"], "subscribed") << "unavailable is not cached";
}

TEST_F(HttpDirectory, SlowBackendIs4503WithinTheTimeoutAndOthersKeepFlowing) {
    f.settings.timeout = 600ms;
    f.start();
    ws_peer fast;
    ASSERT_TRUE(fast.connect(f.port(), bearer(key_t1)));
    ASSERT_EQ(fast.subscribe("spec:s1")["type"], "subscribed");
    const int asked_before = f.backend.authenticate_count();

    f.backend.hold();  // nothing is answered from now on
    std::atomic<bool> slow_done{false};
    int slow_code = 0;
    std::chrono::steady_clock::duration took{};
    std::thread slow_client([&] {
        ws_peer slow;
        const auto started = std::chrono::steady_clock::now();
        // The upgrade itself waits for the directory: connect() returns with the answer.
        if (slow.connect(f.port(), bearer(key_t2)) && slow.wait_closed()) {
            slow_code = slow.close_code();
        }
        took = std::chrono::steady_clock::now() - started;
        slow_done = true;
    });
    ASSERT_TRUE(eventually([&] { return f.backend.authenticate_count() > asked_before; }));
    // While `slow` waits for the backend, the workers serve everyone else.
    const auto id =
        f.server->srv->hub().publish(*protocol::parse_channel("spec:s1"), "log_entry", "{}");
    const auto event = fast.next_of("log_entry");
    const bool slow_still_waiting = !slow_done.load();
    slow_client.join();
    ASSERT_TRUE(event);
    EXPECT_EQ((*event)["eventId"], id);
    EXPECT_TRUE(slow_still_waiting);
    EXPECT_EQ(slow_code, 4503);
    EXPECT_LT(took, 600ms + 700ms) << "timeout_ms plus a margin";
    EXPECT_GE(took, 500ms);
    f.backend.release();
}

TEST_F(HttpDirectory, PendingSubscribeDoesNotBlockTheConnection) {
    f.start();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    f.backend.hold();
    peer.send({{"type", "subscribe"}, {"channel", "spec:s1"}, {"requestId", "held"}});
    peer.send({{"type", "ping"}, {"requestId", "p"}});
    // The ping is answered while the subscribe still waits for the backend.
    const auto pong = peer.next(5s);
    ASSERT_TRUE(pong);
    EXPECT_EQ((*pong)["type"], "pong");
    f.backend.release();
    const auto done = peer.next(5s);
    ASSERT_TRUE(done);
    EXPECT_EQ((*done)["type"], "subscribed");
    EXPECT_EQ((*done)["payload"]["requestId"], "held");
}

TEST_F(HttpDirectory, BackendDownIs4503OnConnectAnd503OnPublish) {
    f.settings.timeout = 300ms;
    f.start();
    f.backend.stop();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 4503);
    const auto res =
        publish(f.port(), key_t1,
                {{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", json::object()}});
    EXPECT_EQ(res.status, 503);
    EXPECT_EQ(res.body["error"]["code"], "authorization_unavailable");
}

TEST_F(HttpDirectory, PublishAuthorizesThroughTheBackend) {
    f.start();
    const json event{{"channel", "spec:s1"}, {"type", "log_entry"}, {"payload", json::object()}};
    EXPECT_EQ(publish(f.port(), key_t1, event).status, 200);
    json other = event;
    other["channel"] = "spec:s2";
    EXPECT_EQ(publish(f.port(), key_t1, other).status, 403);
    EXPECT_EQ(publish(f.port(), "unknown-key", event).status, 401);
    EXPECT_EQ(publish(f.port(), key_t2, event).status, 403) << "no publish scope";
    f.backend.force(directory_backend::answer{500, ""});
    f.dir->clear_cache();
    const auto res = publish(f.port(), key_t1, event);
    EXPECT_EQ(res.status, 503);
    EXPECT_EQ(res.body["error"]["code"], "authorization_unavailable");
}

TEST_F(HttpDirectory, SecretsNeverReachTheBackendOrTheLog) {
    f.settings.headers = {{"Authorization", "Bearer backend-token-123"}};
    f.settings.timeout = 200ms;
    f.start();
    ::testing::internal::CaptureStderr();
    server::set_log_level(server::log_level::info);
    {
        ws_peer peer;
        ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
        EXPECT_EQ(peer.subscribe("spec:s1")["type"], "subscribed");
        ws_peer session;
        ASSERT_TRUE(session.connect(
            f.port(), {{"Cookie", "kata_session=" + session_t1}, {"Origin", good_origin}}));
        EXPECT_EQ(session.subscribe("team:t1")["type"], "subscribed");
        f.backend.force(directory_backend::answer{500, "boom"});
        ws_peer failing;
        ASSERT_TRUE(failing.connect(f.port(), bearer(key_t2)));
        ASSERT_TRUE(failing.wait_closed());
        EXPECT_EQ(failing.close_code(), 4503);
    }
    server::set_log_level(server::log_level::warn);
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("failing closed"), std::string::npos) << log;
    for (const auto& secret : {key_t1, key_t2, session_t1}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << secret;
    }
    EXPECT_EQ(log.find("backend-token-123"), std::string::npos);
    const auto seen = f.backend.requests();
    ASSERT_FALSE(seen.empty());
    for (const auto& r : seen) {
        for (const auto& secret : {key_t1, key_t2, session_t1})
            EXPECT_EQ(r.body.find(secret), std::string::npos) << r.body;
        EXPECT_EQ(r.headers.at("Authorization"), "Bearer backend-token-123");
        EXPECT_EQ(r.headers.at("Content-Type"), "application/json");
    }
}

}  // namespace
}  // namespace kata::e2e

namespace kata::e2e {
namespace {

// In-process (so the thread sanitizer sees the revalidator, the directory's thread and the
// workers together): re-validation closes a revoked key's connection and ends a moved spec's
// subscription while connections come and go on two workers.
TEST_F(HttpDirectory, RevalidationRevokesAcrossWorkers) {
    f.settings.revalidate = 200ms;
    auto cfg = test_config();
    cfg.threads = 2;
    f.start(cfg);
    ws_peer revoked, moved;
    ASSERT_TRUE(revoked.connect(f.port(), bearer(key_t2)));
    ASSERT_EQ(revoked.subscribe("team:t2")["type"], "subscribed");
    ASSERT_TRUE(moved.connect(f.port(), bearer(key_t1)));
    ASSERT_EQ(moved.subscribe("spec:s1")["type"], "subscribed");
    for (int i = 0; i < 20; ++i) {  // churn: tracked and untracked while the schedule runs
        ws_peer brief;
        ASSERT_TRUE(brief.connect(f.port(), bearer(key_t1)));
        ASSERT_EQ(brief.subscribe("agent:a1")["type"], "subscribed");
    }
    f.backend.forget_credential(auth::sha256_hex(key_t2));
    f.backend.set_owner("spec:s1", {200, R"({"team":"t2"})"});
    ASSERT_TRUE(revoked.wait_closed(10s));
    EXPECT_EQ(revoked.close_code(), 4401);
    EXPECT_EQ(revoked.close_reason(), "credential revoked");
    const auto ended = moved.next_of("unsubscribed", 10s);
    ASSERT_TRUE(ended);
    EXPECT_EQ((*ended)["payload"]["reason"], "revoked");
    EXPECT_EQ(f.server->srv->stats().closed_revoked, 1u);
    EXPECT_GT(f.server->srv->stats().revalidation_lookups, 0u);
}

}  // namespace
}  // namespace kata::e2e
