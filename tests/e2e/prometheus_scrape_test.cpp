// A real Prometheus scrapes kata-rt: what it stores must match what the test holds open.
#include "prometheus_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

TEST(PrometheusScrape, ConnectionsGaugeMatchesTheOpenConnections) {
    if (!executable_exists(prometheus_binary)) {
        GTEST_SKIP() << prometheus_binary << " is absent: scripts/setup.sh installs prometheus";
    }
    auto cfg = test_config();
    cfg.admin_listen = std::pair<std::string, std::uint16_t>{"127.0.0.1", 0};
    running_server server(cfg);
    constexpr int held = 3;
    std::vector<std::unique_ptr<ws_peer>> peers;
    for (int i = 0; i < held; ++i) {
        peers.push_back(std::make_unique<ws_peer>());
        ASSERT_TRUE(peers.back()->connect(server.port(), {{"X-API-Key", key_t1}}));
        ASSERT_EQ(peers.back()->subscribe("team:t1")["type"], "subscribed");
    }

    prometheus_process prometheus(server.srv->admin_port(), std::chrono::milliseconds(500));
    std::optional<double> seen;
    const bool scraped = eventually(
        [&] {
            seen = prometheus.query("kata_rt_connections{job=\"kata-rt\"}");
            return seen.has_value();
        },
        std::chrono::seconds(40));
    ASSERT_TRUE(scraped) << "no sample within 40 s; prometheus log:\n" << prometheus.log();
    EXPECT_EQ(*seen, held);
    EXPECT_EQ(prometheus.query("up{job=\"kata-rt\"}"), 1);
    EXPECT_EQ(prometheus.query("kata_rt_subscriptions"), held);
    EXPECT_TRUE(prometheus.stop()) << "prometheus did not exit on SIGTERM";
}

}  // namespace
}  // namespace kata::e2e
