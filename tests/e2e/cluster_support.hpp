#pragma once
// Support for the cluster tests: nodes configured with the Redis broker, and a few direct Redis
// commands (hiredis' synchronous API) to look at or disturb what the nodes share.
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

// One command to the Redis on 127.0.0.1:port; its reply as text (integers and statuses too).
std::string redis_command(std::uint16_t port, const std::vector<std::string>& argv);

// How many keys match `pattern` (SCAN, not KEYS).
std::size_t redis_keys(std::uint16_t port, const std::string& pattern);

}  // namespace kata::e2e
