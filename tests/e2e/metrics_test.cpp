// GET /metrics, /readyz and admin_listen against an in-process server, and promtool's verdict on
// the exposition.
#include <thread>

#include "prometheus_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

std::string scrape(std::uint16_t port) {
    const auto res = http_request(port, "GET", "/metrics");
    EXPECT_EQ(res.status, 200);
    return res.text;
}

double value(std::uint16_t port, const std::string& series) {
    return metric_value(scrape(port), series).value_or(-1);
}

TEST(Metrics, CountsConnectionsRefusalsPublishesAndCommandErrors) {
    running_server server;
    const auto port = server.port();
    EXPECT_EQ(value(port, "kata_rt_connections"), 0);

    ws_peer a, b;
    ASSERT_TRUE(a.connect(port, {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(b.connect(port, {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(a.subscribe("team:t1")["type"], "subscribed");
    ASSERT_EQ(b.subscribe("team:t1")["type"], "subscribed");
    ASSERT_EQ(b.subscribe("team:t2")["type"], "error");  // forbidden
    ws_peer bad;
    ASSERT_TRUE(bad.connect(port, {{"Authorization", "Bearer not-a-key"}}));
    ASSERT_TRUE(bad.wait_closed());
    ASSERT_EQ(publish(port, key_t1, {{"channel", "team:t1"}, {"type", "log_entry"}}).status, 200);
    ASSERT_TRUE(a.next_of("log_entry"));
    ASSERT_TRUE(b.next_of("log_entry"));

    const auto text = scrape(port);
    EXPECT_EQ(metric_value(text, "kata_rt_connections"), 2) << text;
    EXPECT_EQ(metric_value(text, "kata_rt_subscriptions"), 2);
    EXPECT_EQ(metric_value(text, "kata_rt_channels"), 1);
    EXPECT_EQ(metric_value(text, "kata_rt_connections_accepted_total"), 2);
    EXPECT_EQ(metric_value(text, "kata_rt_connections_closed_total{code=\"4401\"}"), 1);
    EXPECT_EQ(metric_value(text, "kata_rt_auth_failures_total{reason=\"unauthorized\"}"), 1);
    EXPECT_EQ(metric_value(text, "kata_rt_command_errors_total{code=\"forbidden\"}"), 1);
    EXPECT_EQ(metric_value(text, "kata_rt_events_published_total"), 1);
    EXPECT_EQ(metric_value(text, "kata_rt_deliveries_total"), 2);
    EXPECT_EQ(metric_value(text, "kata_rt_publish_latency_seconds_count"), 1);
    EXPECT_GT(metric_value(text, "kata_rt_written_bytes_total").value_or(0), 0);
    EXPECT_GT(metric_value(text, "process_resident_memory_bytes").value_or(0), 0);

    a.send_text(std::string(20000, 'x'));  // over max_message_bytes: 1009
    ASSERT_TRUE(a.wait_closed());
    EXPECT_TRUE(eventually([&] {
        return value(port, "kata_rt_connections_closed_total{code=\"1009\"}") == 1 &&
               value(port, "kata_rt_connections") == 1 && value(port, "kata_rt_subscriptions") == 1;
    }));
}

TEST(Metrics, PromtoolAcceptsTheExposition) {
    if (!executable_exists(promtool_binary)) {
        GTEST_SKIP() << promtool_binary << " is absent: scripts/setup.sh installs prometheus";
    }
    running_server server;
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    ASSERT_EQ(
        publish(server.port(), key_t1, {{"channel", "team:t1"}, {"type", "log_entry"}}).status,
        200);
    ASSERT_TRUE(peer.next_of("log_entry"));
    const auto [status, output] = promtool_check_metrics(scrape(server.port()));
    EXPECT_EQ(status, 0) << output;
    EXPECT_EQ(output, "") << "promtool lint findings";
}

TEST(Metrics, AdminListenMovesTheOperatorRoutesAndReadyzTurns503OnShutdown) {
    auto cfg = test_config();
    cfg.admin_listen = std::pair<std::string, std::uint16_t>{"127.0.0.1", 0};
    running_server server(cfg);
    const auto admin = server.srv->admin_port();
    ASSERT_NE(admin, 0);
    ASSERT_NE(admin, server.port());
    for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
        EXPECT_EQ(http_request(server.port(), "GET", path).status, 404) << path;
        EXPECT_EQ(http_request(admin, "GET", path).status, 200) << path;
    }
    EXPECT_EQ(http_request(admin, "GET", "/v1/ws").status, 404);
    EXPECT_EQ(http_request(admin, "POST", "/v1/publish", "{}").status, 404);

    // A peer that never answers the close keeps the server in its shutdown grace for a while:
    // /readyz must say 503 meanwhile.
    ws_peer stubborn;
    ASSERT_TRUE(stubborn.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    std::thread stopper([&] { server.srv->stop(std::chrono::milliseconds(3000)); });
    bool saw_503 = false;
    EXPECT_TRUE(eventually([&] {
        const auto res = http_request(admin, "GET", "/readyz");
        saw_503 = res.status == 503 && res.body["error"]["code"] == "shutting_down";
        return saw_503;
    }));
    stopper.join();
    EXPECT_TRUE(saw_503);
}

}  // namespace
}  // namespace kata::e2e
