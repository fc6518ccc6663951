// `kata-rt loadtest --url` repeated (issue 10): how the URLs become nodes, and which node each
// connection, publish and --churn reconnect goes to.
#include <gtest/gtest.h>

#include <set>

#include "load/nodes.hpp"

namespace kata::load {
namespace {

scenario with_nodes(const std::vector<std::string>& urls) {
    scenario sc;
    const auto err = set_nodes(sc, urls);
    EXPECT_FALSE(err) << *err;
    return sc;
}

TEST(LoadNodes, OneUrlIsOneNodeWithItsPublishApi) {
    const auto sc = with_nodes({"ws://127.0.0.1:9000/v1/ws"});
    EXPECT_EQ(sc.node_count(), 1u);
    EXPECT_EQ(sc.ws_url.str(), "ws://127.0.0.1:9000/v1/ws");
    EXPECT_EQ(sc.publish_url.str(), "http://127.0.0.1:9000/v1/publish");
    EXPECT_EQ(nodes_text(sc), "ws://127.0.0.1:9000/v1/ws");
}

TEST(LoadNodes, RepeatedUrlsAreNodesInTheOrderGiven) {
    const auto sc = with_nodes({"ws://a:1/v1/ws", "ws://b:2/v1/ws", "ws://c:3/v1/ws"});
    ASSERT_EQ(sc.node_count(), 3u);
    EXPECT_EQ(sc.node_url(0).str(), "ws://a:1/v1/ws");
    EXPECT_EQ(sc.node_url(1).str(), "ws://b:2/v1/ws");
    EXPECT_EQ(sc.node_url(2).str(), "ws://c:3/v1/ws");
    EXPECT_EQ(nodes_text(sc), "ws://a:1/v1/ws ws://b:2/v1/ws ws://c:3/v1/ws");
}

TEST(LoadNodes, ANonWebSocketUrlIsRefusedByName) {
    scenario sc;
    const auto err = set_nodes(sc, {"ws://a:1/v1/ws", "http://b:2/"});
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("http://b:2/"), std::string::npos) << *err;
}

TEST(LoadNodes, AMalformedUrlIsRefused) {
    scenario sc;
    EXPECT_TRUE(set_nodes(sc, {"ws://a:1/v1/ws", "b:2"}));
}

TEST(LoadNodes, TheSameNodeTwiceIsRefused) {
    scenario sc;
    const auto err = set_nodes(sc, {"ws://a:1/v1/ws", "ws://a:1/v1/ws"});
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("twice"), std::string::npos) << *err;
}

TEST(LoadNodes, NoUrlIsRefused) {
    scenario sc;
    EXPECT_TRUE(set_nodes(sc, {}));
}

TEST(LoadNodes, ConnectionsAreSpreadRoundRobin) {
    auto sc = with_nodes({"ws://a:1/", "ws://b:2/", "ws://c:3/"});
    sc.connections = 9;
    sc.channels = 1;
    std::vector<std::size_t> per_node(3);
    for (std::size_t i = 0; i < sc.connections; ++i) {
        EXPECT_EQ(sc.node_of_connection(i), i % 3);
        ++per_node[sc.node_of_connection(i)];
    }
    EXPECT_EQ(per_node, (std::vector<std::size_t>{3, 3, 3}));
}

TEST(LoadNodes, AChurnedConnectionReconnectsToAnotherNode) {
    const auto sc = with_nodes({"ws://a:1/", "ws://b:2/", "ws://c:3/"});
    for (std::size_t k = 0; k < 3; ++k)
        EXPECT_NE(sc.churn_node(k), k);
    // Every node is reached by repeated cuts.
    std::set<std::size_t> seen;
    std::size_t k = 0;
    for (int cut = 0; cut < 3; ++cut)
        seen.insert(k = sc.churn_node(k));
    EXPECT_EQ(seen.size(), 3u);
}

TEST(LoadNodes, OneNodeKeepsEveryConnectionAndEveryReconnect) {
    const auto sc = with_nodes({"ws://a:1/"});
    EXPECT_EQ(sc.node_of_connection(5), 0u);
    EXPECT_EQ(sc.churn_node(0), 0u);
}

TEST(LoadNodes, PinnedChannelsKeepEachChannelsSubscribersOnOneNode) {
    auto sc = with_nodes({"ws://a:1/", "ws://b:2/"});
    sc.pin_channels = true;
    sc.connections = 12;
    sc.channels = 3;  // not a multiple of the node count: pinning still holds
    for (std::size_t i = 0; i < sc.connections; ++i) {
        const std::size_t channel = i % sc.channels;
        EXPECT_EQ(sc.node_of_connection(i), channel % 2) << "connection " << i;
        EXPECT_EQ(sc.churn_node(sc.node_of_connection(i)), sc.node_of_connection(i));
    }
}

}  // namespace
}  // namespace kata::load
