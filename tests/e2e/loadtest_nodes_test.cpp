// `kata-rt loadtest --url` repeated (issue 10) against two real `kata-rt serve` processes. They
// are independent memory-broker nodes, so the run pins each channel to one node
// (--pin-channels): connections land on both nodes and the accounting stays exact.
#include <gtest/gtest.h>

#include "load/nodes.hpp"
#include "load/runner.hpp"
#include "redis_process.hpp"
#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::load {
namespace {

using namespace std::chrono_literals;
using e2e::serve_process;

constexpr const char* key = "loadtest-nodes-key-0123456789";

TEST(LoadtestNodes, TwoServeProcessesShareTheConnectionsAndLoseNothing) {
    serve_process a({"--listen", "127.0.0.1:0", "--log-level", "warn"}, {{"KATA_RT_API_KEY", key}});
    serve_process b({"--listen", "127.0.0.1:0", "--log-level", "warn"}, {{"KATA_RT_API_KEY", key}});
    const auto port_a = a.wait_listening();
    const auto port_b = b.wait_listening();
    ASSERT_TRUE(port_a && port_b);

    scenario sc;
    const auto err = set_nodes(sc, {"ws://127.0.0.1:" + std::to_string(*port_a) + "/v1/ws",
                                    "ws://127.0.0.1:" + std::to_string(*port_b) + "/v1/ws"});
    ASSERT_FALSE(err) << *err;
    sc.api_key = key;
    sc.pin_channels = true;
    sc.connections = 20;
    sc.channels = 4;  // channels 0 and 2 on node a, 1 and 3 on node b
    sc.rate = 200;
    sc.duration = 2s;
    sc.ramp = 200ms;
    sc.drain = 2s;

    const auto outcome = run_loadtest(sc);
    const auto& r = outcome.result;
    EXPECT_EQ(outcome.not_run_reason, "");
    ASSERT_EQ(r.nodes.size(), 2u);
    EXPECT_EQ(r.nodes[0].second, 10u);
    EXPECT_EQ(r.nodes[1].second, 10u);
    EXPECT_EQ(r.connected, 20u);
    EXPECT_EQ(r.events_sent, 400u);
    EXPECT_EQ(r.events_failed, 0u) << r.first_publish_error;
    EXPECT_EQ(r.deliveries.expected, 400u / 4 * 5 * 4);
    EXPECT_EQ(r.deliveries.delivered, r.deliveries.expected);
    EXPECT_EQ(r.deliveries.lost, 0u);
    EXPECT_EQ(r.deliveries.duplicated, 0u);
    EXPECT_EQ(r.deliveries.reordered, 0u);
    EXPECT_EQ(r.deliveries.unexpected, 0u);
    EXPECT_EQ(r.latency.count(), r.deliveries.delivered);
    // Each node took publish requests: a node that got none would have left its channels'
    // subscribers without events, which the zero loss above rules out.
    EXPECT_NE(r.url.find(std::to_string(*port_b)), std::string::npos);
}

// Two nodes sharing one Redis: no pinning, events published on either node reach subscribers
// on both, and every --churn cut resumes on the other node without losing or repeating an event.
TEST(LoadtestNodes, ChurnAcrossRedisNodesResumesOnTheOtherNodeAndLosesNothing) {
    e2e::redis_process redis;
    const std::vector<std::string> args{"--listen", "127.0.0.1:0", "--log-level",
                                        "warn",     "--redis",     redis.url()};
    serve_process a(args, {{"KATA_RT_API_KEY", key}});
    serve_process b(args, {{"KATA_RT_API_KEY", key}});
    const auto port_a = a.wait_listening();
    const auto port_b = b.wait_listening();
    ASSERT_TRUE(port_a && port_b);
    for (const auto port : {*port_a, *port_b}) {
        ASSERT_TRUE(e2e::eventually(
            [&] { return e2e::http_request(port, "GET", "/readyz").status == 200; }, 10s))
            << "the broker of the node on " << port << " did not connect";
    }

    scenario sc;
    const auto err = set_nodes(sc, {"ws://127.0.0.1:" + std::to_string(*port_a) + "/v1/ws",
                                    "ws://127.0.0.1:" + std::to_string(*port_b) + "/v1/ws"});
    ASSERT_FALSE(err) << *err;
    sc.api_key = key;
    sc.connections = 20;
    sc.channels = 4;
    sc.rate = 200;
    sc.duration = 3s;
    sc.ramp = 200ms;
    sc.drain = 3s;
    sc.churn = 5;

    const auto outcome = run_loadtest(sc);
    const auto& r = outcome.result;
    EXPECT_EQ(outcome.not_run_reason, "");
    EXPECT_EQ(r.connected, 20u);
    EXPECT_EQ(r.events_failed, 0u) << r.first_publish_error;
    EXPECT_GT(r.churned, 0u);
    EXPECT_EQ(r.unrecovered, 0u);
    EXPECT_EQ(r.reconnect_failed, 0u) << r.first_reconnect_error;
    EXPECT_EQ(r.deliveries.lost, 0u);
    EXPECT_EQ(r.deliveries.duplicated, 0u);
    EXPECT_EQ(r.deliveries.reordered, 0u);
    EXPECT_EQ(r.deliveries.delivered, r.deliveries.expected);
}

}  // namespace
}  // namespace kata::load
