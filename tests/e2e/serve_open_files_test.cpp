// Issue #14 item 12: `kata-rt serve` under a low open-file limit. Before, connections past the
// limit hung in the backlog, /healthz stopped answering and "accept failed" was logged 20 times
// a second.
#include <fstream>
#include <memory>
#include <vector>

#include "core/server/ops/open_file_limit.hpp"
#include "raw_http.hpp"
#include "raw_peer.hpp"
#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

std::string temp_config(const std::string& content) {
    char path[] = "/tmp/kata-rt-nofile-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

constexpr int nofile = 64;

TEST(ServeOpenFiles, LowLimitRefusesExtraConnectionsAndKeepsHealthzWithoutLogFlood) {
    const auto path = temp_config(
        R"({"listen":"127.0.0.1:0","threads":1,"limits":{"max_connections":1000},)"
        R"("directory":{"api_keys":[{"id":"k","sha256":")" +
        auth::sha256_hex(key_t1) + R"(","team":"t1","scopes":["subscribe","publish"]}]}})");
    const std::string limit = std::to_string(nofile);
    serve_process serve({"--config", path}, {},
                        {"/usr/bin/prlimit", "--nofile=" + limit + ":" + limit, "--"});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    EXPECT_NE(serve.output().find("open files"), std::string::npos) << serve.output();

    // More WebSocket connections than descriptors: the ones that do not fit are refused with
    // 4429 (retry after backoff), none hangs.
    std::vector<std::unique_ptr<raw_peer>> peers;
    int refused = 0;
    const auto fit = static_cast<int>(server::connections_that_fit(nofile, 1000));
    for (int i = 0; i < fit + 16; ++i) {
        auto peer = std::make_unique<raw_peer>();
        ASSERT_TRUE(peer->connect(*port, key_t1)) << "connection " << i << " got no upgrade";
        peer->send_text(R"({"type":"ping"})");
        const auto answer = peer->read_text_or_close(5s);
        ASSERT_TRUE(answer.text_frames == 1 || answer.ended) << "connection " << i << " hangs";
        if (answer.ended) {
            EXPECT_EQ(answer.close_code, 4429) << "connection " << i;
            ++refused;
            continue;  // closed by the server: its descriptor is free again
        }
        peers.push_back(std::move(peer));
    }
    EXPECT_EQ(refused, 16);
    EXPECT_EQ(http_request(*port, "GET", "/healthz").status, 200);

    // Idle TCP connections hold descriptors the connection limit does not count: once they run
    // out, the listener still answers, 503 and close, instead of leaving clients hanging.
    std::vector<std::unique_ptr<raw_http>> idle;
    bool shed = false;
    for (int i = 0; i < 2 * nofile && !shed; ++i) {
        idle.push_back(std::make_unique<raw_http>(*port));
        ASSERT_TRUE(idle.back()->connected());
        // Quickly answered once descriptors are exhausted; accepted ones stay silent.
        shed = idle.back()->read_until("\r\n\r\n", i < nofile / 2 ? 10ms : 2s);
    }
    ASSERT_TRUE(shed) << "no connection was answered once descriptors ran out";
    const auto answer = split_responses(idle.back()->received());
    ASSERT_EQ(answer.size(), 1u) << idle.back()->received();
    EXPECT_EQ(answer[0].status, 503);
    EXPECT_TRUE(idle.back()->read_to_eof(5s));

    // Keep failing accepts for over a second: the log says so once a second with a count, not
    // once per attempt.
    ASSERT_TRUE(serve.wait_for_output("accept failed", 5s));
    const auto first = std::chrono::steady_clock::now();
    int attempts = 0;
    while (!serve.wait_for_output("not logged", 20ms)) {
        ASSERT_LT(std::chrono::steady_clock::now() - first, 10s) << serve.output();
        raw_http extra(*port);
        ASSERT_TRUE(extra.connected());
        EXPECT_TRUE(extra.read_to_eof(5s));  // shed: answered and closed
        ++attempts;
    }
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - first);
    EXPECT_GT(attempts, 5);
    EXPECT_LE(count(serve.output(), "accept failed"), static_cast<std::size_t>(seconds.count()) + 2)
        << serve.output();

    // Descriptors released: /healthz answers 200 again on the same listener.
    idle.clear();
    EXPECT_TRUE(eventually([&] { return http_request(*port, "GET", "/healthz").status == 200; }))
        << serve.output();
}

}  // namespace
}  // namespace kata::e2e
