// `kata-rt serve` with directory.http.revalidate_ms: open connections are asked about afresh
// every interval, even when the directory's cache still holds a good answer. A key the backend
// no longer knows closes its idle connection 4401 `credential revoked`, a spec moved to another
// team ends that subscription with `unsubscribed` {"reason":"revoked"}, and a backend that is
// down closes nothing.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "directory_backend.hpp"
#include "eventually.hpp"
#include "http_directory_support.hpp"
#include "prometheus_process.hpp"
#include "serve_process.hpp"

namespace kata::e2e {
namespace {

std::string temp_config(const std::string& content) {
    char path[] = "/tmp/kata-rt-revalidate-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

// Re-validation every second; the cache would otherwise answer for ten minutes.
std::string config_for(const directory_backend& backend) {
    return json{{"listen", "127.0.0.1:0"},
                {"threads", 2},
                {"directory",
                 {{"http",
                   {{"url", backend.url()},
                    {"revalidate_ms", 1000},
                    {"cache_ttl_ms", 600000},
                    {"timeout_ms", 2000}}}}}}
        .dump();
}

double metric(std::uint16_t port, const std::string& series) {
    return metric_value(http_request(port, "GET", "/metrics").text, series).value_or(-1);
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

struct revalidating_server {
    directory_backend backend;
    std::string path;
    std::unique_ptr<serve_process> serve;
    std::uint16_t port = 0;

    revalidating_server() {
        teach_backend(backend);
        path = temp_config(config_for(backend));
        serve = std::make_unique<serve_process>(
            std::vector<std::string>{"--config", path, "--log-format", "json"});
    }
    ~revalidating_server() {
        serve.reset();
        std::remove(path.c_str());
    }
};

TEST(ServeRevalidation, KeyTheBackendNoLongerKnowsClosesItsIdleConnectionWithin3s) {
    revalidating_server s;
    const auto port = s.serve->wait_listening();
    ASSERT_TRUE(port) << s.serve->output();
    ws_peer revoked, other;
    ASSERT_TRUE(revoked.connect(*port, bearer(key_t1)));
    ASSERT_EQ(revoked.subscribe("team:t1")["type"], "subscribed");
    ASSERT_TRUE(other.connect(*port, bearer(key_t2)));
    ASSERT_EQ(other.subscribe("team:t2")["type"], "subscribed");

    // The backend forgets the key; the connection sends nothing more. The directory's cache
    // (ten minutes) still holds the key's answer: re-validation must not take it from there.
    s.backend.forget_credential(auth::sha256_hex(key_t1));
    const auto forgotten = std::chrono::steady_clock::now();
    ASSERT_TRUE(revoked.wait_closed(10s));
    EXPECT_LT(std::chrono::steady_clock::now() - forgotten, 3s);
    EXPECT_EQ(revoked.close_code(), 4401);
    EXPECT_EQ(revoked.close_reason(), "credential revoked");

    other.send({{"type", "ping"}, {"requestId", "p"}});
    const auto pong = other.next_of("pong");
    ASSERT_TRUE(pong) << "closed with " << other.close_code();

    // The fresh 404 replaced the cached answer: a reconnect is refused at once.
    ws_peer again;
    if (again.connect(*port, bearer(key_t1))) {
        ASSERT_TRUE(again.wait_closed());
        EXPECT_EQ(again.close_code(), 4401);
    } else {
        EXPECT_EQ(again.http_status(), 401);
    }

    EXPECT_EQ(metric(*port, "kata_rt_closes_total{reason=\"revoked\"}"), 1);
    EXPECT_GE(metric(*port, "kata_rt_revalidation_lookups_total"), 1);
    const std::string marker = R"("reason":"credential_revoked")";
    ASSERT_TRUE(s.serve->wait_for_output(marker)) << s.serve->output();
    const auto& out = s.serve->output();
    const auto line_start = out.rfind('\n', out.find(marker)) + 1;
    const auto line = json::parse(out.substr(line_start, out.find('\n', line_start) - line_start));
    EXPECT_EQ(line["who"], "t1") << line;
    EXPECT_EQ(line["code"], 4401) << line;
    EXPECT_EQ(out.find(key_t1), std::string::npos) << "the key is never logged";
    EXPECT_EQ(out.find(auth::sha256_hex(key_t1)), std::string::npos) << "nor its digest";
}

TEST(ServeRevalidation, SpecMovedToAnotherTeamEndsThatSubscription) {
    revalidating_server s;
    const auto port = s.serve->wait_listening();
    ASSERT_TRUE(port) << s.serve->output();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(*port, bearer(key_t1)));
    ASSERT_EQ(peer.subscribe("spec:s1", "s")["type"], "subscribed");
    ASSERT_EQ(peer.subscribe("team:t1", "t")["type"], "subscribed");

    s.backend.set_owner("spec:s1", {200, R"({"team":"t2"})"});
    const auto moved = std::chrono::steady_clock::now();
    const auto ended = peer.next_of("unsubscribed", 10s);
    ASSERT_TRUE(ended) << "closed with " << peer.close_code();
    EXPECT_LT(std::chrono::steady_clock::now() - moved, 3s);
    EXPECT_EQ((*ended)["channel"], "spec:s1") << *ended;
    EXPECT_EQ((*ended)["payload"], json({{"reason", "revoked"}})) << *ended;

    // The connection and its other subscription go on.
    const json event{{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", {{"n", 1}}}};
    ASSERT_EQ(publish(*port, key_t1, event).status, 200);
    const auto got = peer.next_of("log_entry");
    ASSERT_TRUE(got) << "closed with " << peer.close_code();
    EXPECT_EQ((*got)["channel"], "team:t1");
}

TEST(ServeRevalidation, BackendOutageClosesNothing) {
    revalidating_server s;
    const auto port = s.serve->wait_listening();
    ASSERT_TRUE(port) << s.serve->output();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(*port, bearer(key_t1)));
    ASSERT_EQ(peer.subscribe("team:t1", "t")["type"], "subscribed");
    ASSERT_EQ(peer.subscribe("spec:s1", "s")["type"], "subscribed");
    ASSERT_TRUE(
        eventually([&] { return metric(*port, "kata_rt_revalidation_lookups_total") >= 2; }, 10s));

    // Refused connections from now on: every re-validation of the key and of spec:s1 fails.
    s.backend.stop();
    const auto stopped = std::chrono::steady_clock::now();
    ASSERT_TRUE(
        eventually([&] { return metric(*port, "kata_rt_revalidation_failures_total") >= 6; }, 30s))
        << s.serve->output();

    // Still subscribed to both: the publish (its key answered from the cache) arrives.
    const json event{{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", {{"n", 1}}}};
    ASSERT_EQ(publish(*port, key_t1, event).status, 200);
    const auto got = peer.next();
    ASSERT_TRUE(got) << "closed with " << peer.close_code() << " " << peer.close_reason();
    EXPECT_EQ((*got)["type"], "log_entry") << "nothing came before the event: " << *got;
    EXPECT_EQ(metric(*port, "kata_rt_closes_total{reason=\"revoked\"}"), 0);
    EXPECT_EQ(metric(*port, "kata_rt_subscriptions"), 2);

    // Logged, but once per interval, not once per failed lookup: all of the log is read (to the
    // exit) and compared with the seconds the outage lasted.
    const std::string marker = "directory re-validation failed";
    ASSERT_TRUE(s.serve->wait_for_output(marker)) << s.serve->output();
    s.serve->signal(SIGTERM);
    s.serve->wait_for_output("never written", 15s);  // reads to the end of the output
    const auto waited = std::chrono::steady_clock::now() - stopped;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(waited).count();
    EXPECT_LE(count_of(s.serve->output(), marker), static_cast<std::size_t>(seconds + 2))
        << s.serve->output();
    EXPECT_EQ(s.serve->output().find(key_t1), std::string::npos);
}

}  // namespace
}  // namespace kata::e2e
