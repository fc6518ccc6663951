#pragma once
// Support for the cluster tests: nodes configured with the Redis broker on real redis-server
// processes.
#include <cstdint>
#include <string>
#include <vector>

#include "redis_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {

// test_config() with the Redis broker on these shards.
config::server_config cluster_config(const std::vector<std::string>& urls);

// Publishes events {"seq": from..to-1} to `channel` in one batch and expects 200.
void publish_seq(std::uint16_t port, const std::string& channel, int from, int to,
                 const std::string& key = key_publish_any);

// Waits until every node answers /readyz 200: its broker is connected (what a load balancer
// waits for before it sends traffic).
void wait_ready(const std::vector<std::uint16_t>& ports);

// One Redis and two in-process nodes sharing it, both ready.
struct cluster {
    cluster();
    redis_process redis;
    running_server a;
    running_server b;
};

// Connects `peer` to the node on `port` as key_t1 and subscribes it to `channel`.
void connect_subscribed(ws_peer& peer, std::uint16_t port, const std::string& channel);

// How many keys of `redis` match `pattern`.
std::size_t redis_keys(const redis_process& redis, const std::string& pattern);

}  // namespace kata::e2e
