// `kata-rt serve` with a directory file holding an `admin` key: a team's disconnect closes each
// of its connections 4401 and logs one JSON line per connection with the key id, never the key,
// at most 10 a second with the count of the rest; kata_rt_closes_total{reason="revoked"} counts
// them all.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/auth/digest.hpp"
#include "prometheus_process.hpp"
#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

std::string temp_file(const std::string& content) {
    char path[] = "/tmp/kata-rt-disconnect-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

std::string config_text() {
    const json keys = json::array({{{"id", "ci-bot"},
                                    {"sha256", auth::sha256_hex(key_t1)},
                                    {"team", "t1"},
                                    {"scopes", {"subscribe"}}},
                                   {{"id", "ops"},
                                    {"sha256", auth::sha256_hex(key_admin)},
                                    {"team", "ops"},
                                    {"scopes", {"admin"}}}});
    return json{{"listen", "127.0.0.1:0"}, {"threads", 2}, {"directory", {{"api_keys", keys}}}}
        .dump();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

TEST(ServeDisconnect, ATeamDisconnectLogsEachClosedConnectionRateLimitedAndNeverTheKey) {
    const auto path = temp_file(config_text());
    serve_process serve({"--config", path, "--log-format", "json"});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    constexpr int n = 25;
    std::vector<std::unique_ptr<ws_peer>> peers;
    for (int i = 0; i < n; ++i) {
        peers.push_back(std::make_unique<ws_peer>());
        ASSERT_TRUE(peers.back()->connect(*port, {{"Authorization", "Bearer " + key_t1}}));
    }
    const auto res = http_request(*port, "POST", "/v1/disconnect", R"({"team":"t1"})",
                                  {{"Authorization", "Bearer " + key_admin}});
    ASSERT_EQ(res.status, 200) << res.text;
    EXPECT_EQ(res.body["matched"], n) << res.text;
    for (auto& p : peers) {
        ASSERT_TRUE(p->wait_closed(1s));
        EXPECT_EQ(p->close_code(), 4401);
        EXPECT_EQ(p->close_reason(), "credential revoked");
    }
    EXPECT_EQ(metric_value(http_request(*port, "GET", "/metrics").text,
                           "kata_rt_closes_total{reason=\"revoked\"}"),
              n);

    // The lines past 10 in a second are counted, and the count is logged once that second is
    // over (by the server's sweep, even with nothing else to log).
    struct tally {
        std::size_t lines = 0, suppressed = 0;
    };
    const auto read_log = [&] {
        tally t;
        std::istringstream in(serve.output());
        for (std::string line; std::getline(in, line);) {
            const auto doc = json::parse(line, nullptr, false);
            EXPECT_FALSE(doc.is_discarded()) << "not JSON: " << line;
            if (doc.is_discarded() || doc.value("reason", "") != "credential_revoked") continue;
            if (doc.contains("suppressed")) {
                t.suppressed += doc["suppressed"].get<std::size_t>();
            } else {
                ++t.lines;
                EXPECT_EQ(doc["who"], "ci-bot") << line;
                EXPECT_EQ(doc["code"], 4401) << line;
            }
        }
        return t;
    };
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    tally t = read_log();
    while (t.lines + t.suppressed < static_cast<std::size_t>(n) &&
           std::chrono::steady_clock::now() < deadline) {
        serve.wait_for_output("(never printed)", 200ms);  // reads what came meanwhile
        t = read_log();
    }
    EXPECT_EQ(t.lines + t.suppressed, static_cast<std::size_t>(n)) << serve.output();
    EXPECT_GE(t.lines, 1u);
    EXPECT_GT(t.suppressed, 0u) << "25 closes at once: some lines are suppressed";
    ASSERT_TRUE(serve.wait_for_output(R"("msg":"disconnect applied")")) << serve.output();
    const auto& out = serve.output();
    EXPECT_EQ(count_of(out, key_t1), 0u) << "the key is never logged";
    EXPECT_EQ(count_of(out, key_admin), 0u) << "the admin key is never logged";
    std::remove(path.c_str());
}

}  // namespace
}  // namespace kata::e2e
