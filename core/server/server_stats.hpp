#pragma once
#include <array>
#include <atomic>
#include <cstdint>

namespace kata::server {

// Counters an operator reads to see why connections end (and tests read to check that they did).
struct server_stats {
    std::uint64_t connections = 0;           // open WebSocket connections now
    std::uint64_t connections_accepted = 0;  // upgrades that got a principal, ever
    std::uint64_t connections_refused = 0;   // upgrades closed or refused at connect
    std::uint64_t closed_slow_consumer = 0;  // 4008
    std::uint64_t closed_heartbeat = 0;      // 4408
    std::uint64_t closed_write_timeout = 0;  // socket shut after a stalled write
    std::uint64_t closed_rate_limited = 0;   // 4429 for commands
    std::uint64_t events_published = 0;
};

// The live, thread-safe form of server_stats.
struct server_counters {
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> connections_accepted{0};
    std::atomic<std::uint64_t> connections_refused{0};
    std::atomic<std::uint64_t> closed_slow_consumer{0};
    std::atomic<std::uint64_t> closed_heartbeat{0};
    std::atomic<std::uint64_t> closed_write_timeout{0};
    std::atomic<std::uint64_t> closed_rate_limited{0};
    std::atomic<std::uint64_t> events_published{0};

    server_stats snapshot() const {
        return {connections.load(),         connections_accepted.load(),
                connections_refused.load(), closed_slow_consumer.load(),
                closed_heartbeat.load(),    closed_write_timeout.load(),
                closed_rate_limited.load(), events_published.load()};
    }
};

}  // namespace kata::server
