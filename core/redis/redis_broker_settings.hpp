#pragma once
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace kata::redis {

// The Redis broker's settings. Every node sharing channels must use the same urls (same order),
// prefix and history bounds.
struct redis_broker_settings {
    std::vector<std::string> urls;  // one shard each: redis://[[user]:password@]host[:port][/db]
    std::string prefix = "kata";    // first part of every key and pub/sub channel
    std::chrono::milliseconds connect_timeout{1000};  // connect + AUTH + SELECT; also the longest
                                                      // wait for any reply before a shard counts
                                                      // as down
    std::chrono::milliseconds health_check{1000};     // an idle shard's connections are checked
                                                      // this often (each check must be answered
                                                      // within connect_timeout)
    std::string password;  // when set, replaces the URLs' passwords (already read from the env)
    std::size_t history_max_events = 1000;     // kept per channel (0: no stream, no history)
    std::size_t history_max_bytes = 0;         // envelope bytes kept per channel (0: no byte bound)
    std::chrono::milliseconds history_ttl{0};  // events older than this are dropped (0: kept)
    std::chrono::milliseconds reconnect_min{100};   // first retry delay (growth base)
    std::chrono::milliseconds reconnect_max{2000};  // retry delay cap (full jitter below it)
};

}  // namespace kata::redis
