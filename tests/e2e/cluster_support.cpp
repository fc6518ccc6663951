#include "cluster_support.hpp"

#include <algorithm>

namespace kata::e2e {

config::server_config cluster_config(const std::vector<std::string>& urls) {
    auto cfg = test_config();
    cfg.broker.type = "redis";
    cfg.broker.urls = urls;
    return cfg;
}

void publish_seq(std::uint16_t port, const std::string& channel, int from, int to,
                 const std::string& key) {
    json batch = json::array();
    for (int i = from; i < to; ++i)
        batch.push_back({{"channel", channel}, {"type", "log_entry"}, {"payload", {{"seq", i}}}});
    const auto res = publish(port, key, {{"events", batch}});
    ASSERT_EQ(res.status, 200) << res.text;
}

void wait_ready(const std::vector<std::uint16_t>& ports) {
    for (const auto port : ports) {
        ASSERT_TRUE(
            eventually([&] { return http_request(port, "GET", "/readyz").status == 200; }, 10s))
            << "node on " << port << " never became ready";
    }
}

cluster::cluster() : a(cluster_config({redis.url()})), b(cluster_config({redis.url()})) {
    wait_ready({a.port(), b.port()});
}

void connect_subscribed(ws_peer& peer, std::uint16_t port, const std::string& channel) {
    ASSERT_TRUE(peer.connect(port, {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(peer.subscribe(channel)["type"], "subscribed") << channel;
}

std::size_t redis_keys(const redis_process& redis, const std::string& pattern) {
    const auto keys = redis.command({"KEYS", pattern});  // a test's small dataset only
    if (!keys || keys->empty()) return 0;
    return static_cast<std::size_t>(std::count(keys->begin(), keys->end(), '\n')) + 1;
}

}  // namespace kata::e2e
