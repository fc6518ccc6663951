// Credentials with an `expires_at`: an open connection is closed 4401 `credential expired` within
// a second of the instant, an expired credential is refused at the upgrade and at publish, a
// SIGHUP that sets a past expiry closes the connection, and `kata-rt subscribe` exits 1.
#include <signal.h>

#include <cstdio>
#include <ctime>
#include <fstream>

#include "prometheus_process.hpp"
#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

using wall = std::chrono::system_clock;

std::string rfc3339(wall::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
    const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];  // room for any int the compiler cannot bound
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms.count() % 1000));
    return buf;
}

std::int64_t ms_of(wall::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string temp_file(const std::string& content) {
    char path[] = "/tmp/kata-rt-expiry-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

// A config with key_t1 (team t1) and session_t1 (user u1), each with an optional expiry.
std::string config_text(const std::string& key_expiry, const std::string& session_expiry) {
    json key = {{"id", "ci-bot"},
                {"sha256", auth::sha256_hex(key_t1)},
                {"team", "t1"},
                {"scopes", {"subscribe", "publish"}}};
    json session = {{"sha256", auth::sha256_hex(session_t1)}, {"user", "u1"}, {"team", "t1"}};
    if (!key_expiry.empty()) key["expires_at"] = key_expiry;
    if (!session_expiry.empty()) session["expires_at"] = session_expiry;
    return json{{"listen", "127.0.0.1:0"},
                {"threads", 1},
                {"allowed_origins", {good_origin}},
                {"directory", {{"api_keys", {key}}, {"sessions", {session}}}}}
        .dump();
}

const headers session_headers = {{"Cookie", "kata_session=" + session_t1}, {"Origin", good_origin}};

TEST(ServeExpiry, SessionIsClosed4401WithinASecondOfItsExpiry) {
    const auto expiry = wall::now() + 2s;
    const auto path = temp_file(config_text("", rfc3339(expiry)));
    serve_process serve({"--config", path, "--log-format", "json"});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(*port, session_headers));
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    ASSERT_TRUE(peer.wait_closed(10s));
    const auto closed_at = wall::now();
    EXPECT_EQ(peer.close_code(), 4401);
    EXPECT_EQ(peer.close_reason(), "credential expired");
    // The expiry in the file is kept to the millisecond; the server closes at or after it.
    EXPECT_GE(ms_of(closed_at), ms_of(expiry)) << "closed before its expiry";
    EXPECT_LT(closed_at - expiry, 1s) << "closed more than a second after its expiry";

    EXPECT_EQ(metric_value(http_request(*port, "GET", "/metrics").text,
                           "kata_rt_closes_total{reason=\"expired\"}"),
              1);
    const std::string marker = R"("reason":"credential_expired")";
    ASSERT_TRUE(serve.wait_for_output(marker)) << serve.output();
    const auto& out = serve.output();
    const auto line_start = out.rfind('\n', out.find(marker)) + 1;
    const auto line = json::parse(out.substr(line_start, out.find('\n', line_start) - line_start));
    EXPECT_EQ(line["who"], "u1") << line;
    EXPECT_EQ(line["code"], 4401) << line;
    EXPECT_EQ(out.find(session_t1), std::string::npos) << "the token is never logged";

    ws_peer again;  // and a reconnect with it is refused
    ASSERT_TRUE(again.connect(*port, session_headers));
    ASSERT_TRUE(again.wait_closed());
    EXPECT_EQ(again.close_code(), 4401);
}

TEST(ServeExpiry, SighupSettingAPastExpiryClosesTheOpenConnection) {
    const auto path = temp_file(config_text("", ""));
    serve_process serve({"--config", path});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    ws_peer keyed, session;
    ASSERT_TRUE(keyed.connect(*port, {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(keyed.subscribe("team:t1")["type"], "subscribed");
    ASSERT_TRUE(session.connect(*port, session_headers));
    ASSERT_EQ(session.subscribe("team:t1")["type"], "subscribed");

    // The key's expiry moves into the past; the session gets one far ahead.
    std::ofstream(path) << config_text("2020-01-01T00:00:00Z", "2999-01-01T00:00:00.5Z");
    serve.signal(SIGHUP);
    ASSERT_TRUE(serve.wait_for_output("directory reloaded")) << serve.output();
    ASSERT_TRUE(keyed.wait_closed());
    EXPECT_EQ(keyed.close_code(), 4401);
    EXPECT_EQ(keyed.close_reason(), "credential expired");
    session.send({{"type", "ping"}});
    const auto pong = session.next();
    ASSERT_TRUE(pong) << "closed with " << session.close_code();
    EXPECT_EQ((*pong)["type"], "pong") << "a credential that has not expired stays open";
}

TEST(ServeExpiry, AnExpiredKeyIsRefusedAtTheUpgradeAndAtPublish) {
    auto cfg = test_config();
    cfg.directory.api_keys[0].expires_at_ms = ms_of(wall::now() - 1s);  // key_t1: expired
    cfg.directory.api_keys[1].expires_at_ms = ms_of(wall::now() + 1h);  // key_t2: not yet
    running_server server(cfg);
    ws_peer expired;
    if (expired.connect(server.port(), {{"Authorization", "Bearer " + key_t1}})) {
        ASSERT_TRUE(expired.wait_closed());
        EXPECT_EQ(expired.close_code(), 4401);
    } else {
        EXPECT_EQ(expired.http_status(), 401);
    }
    const auto refused =
        publish(server.port(), key_t1, {{"channel", "team:t1"}, {"type", "log_entry"}});
    EXPECT_EQ(refused.status, 401) << refused.text;
    EXPECT_EQ(refused.body["error"]["code"], "unauthorized") << refused.text;

    ws_peer live;
    ASSERT_TRUE(live.connect(server.port(), {{"Authorization", "Bearer " + key_t2}}));
    EXPECT_EQ(live.subscribe("team:t2")["type"], "subscribed") << "a future expiry is still valid";
}

TEST(ServeExpiry, SubscribeCommandExits1WhenItsKeyExpires) {
    auto cfg = test_config();
    cfg.directory.api_keys[0].expires_at_ms = ms_of(wall::now() + 2s);
    running_server server(cfg);
    // `timeout` bounds the child so a client that wrongly reconnects forever fails the test
    // instead of outliving it.
    const std::string cmd = "timeout 30 " + std::string(KATA_RT_BINARY) +
                            " subscribe --url ws://127.0.0.1:" + std::to_string(server.port()) +
                            "/v1/ws --api-key " + key_t1 + " team:t1 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr)
        output += buf;
    const int status = pclose(pipe);
    ASSERT_TRUE(WIFEXITED(status)) << output;
    EXPECT_EQ(WEXITSTATUS(status), 1) << output;
    EXPECT_NE(output.find("4401"), std::string::npos) << output;
    EXPECT_EQ(server.srv->stats().closed_expired, 1u);
}

}  // namespace
}  // namespace kata::e2e
