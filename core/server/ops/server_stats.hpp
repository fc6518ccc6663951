#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/server/ops/metrics.hpp"

namespace kata::server {

// Counters an operator reads to see why connections end (and tests read to check that they did).
// GET /metrics renders them (metrics_text.hpp).
struct server_stats {
    std::uint64_t connections = 0;           // open WebSocket connections now
    std::uint64_t connections_accepted = 0;  // upgrades that got a principal, ever
    std::uint64_t connections_refused = 0;   // upgrades closed or refused at connect
    std::uint64_t closed_slow_consumer = 0;  // 4008
    std::uint64_t closed_heartbeat = 0;      // 4408
    std::uint64_t closed_write_timeout = 0;  // socket shut after a stalled write
    std::uint64_t closed_rate_limited = 0;   // 4429 for commands
    std::uint64_t closed_expired = 0;        // 4401: the credential's expires_at passed
    std::uint64_t closed_revoked = 0;        // 4401: a reload or re-check no longer knew it
    std::uint64_t events_published = 0;
    std::uint64_t tls_handshakes = 0;      // TLS handshakes in progress now
    std::uint64_t tls_handshakes_cut = 0;  // cut for a newer one past limits.max_tls_handshakes

    std::uint64_t subscriptions = 0;          // open subscriptions over all connections now
    std::uint64_t bytes_written = 0;          // WebSocket frame bytes written to sockets
    std::uint64_t payload_bytes_written = 0;  // the same frames' size uncompressed
    std::uint64_t rate_limited_commands = 0;  // commands answered `rate_limited`
    std::uint64_t history_replays = 0;        // resumes answered recovered: true
    std::uint64_t history_unrecovered = 0;    // resumes answered recovered: false
    std::uint64_t remote_events_shed = 0;     // broker events a lagging worker dropped
    std::uint64_t revalidation_lookups = 0;   // directory lookups re-validating open connections
    std::uint64_t revalidation_failures = 0;  // of those, unanswered (down, slow, 5xx)
    std::array<std::uint64_t, close_code_counters::size> closed_by_code{};
    std::array<std::uint64_t, auth_failure_counters::size> auth_failures{};
    std::array<std::uint64_t, command_error_counters::size> command_errors{};
    latency_histogram::snapshot publish_latency;
    latency_histogram::snapshot delivery_latency;
};

// The live, thread-safe form of server_stats. Hot-path counts use bump() (relaxed).
struct server_counters {
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> connections_accepted{0};
    std::atomic<std::uint64_t> connections_refused{0};
    std::atomic<std::uint64_t> closed_slow_consumer{0};
    std::atomic<std::uint64_t> closed_heartbeat{0};
    std::atomic<std::uint64_t> closed_write_timeout{0};
    std::atomic<std::uint64_t> closed_rate_limited{0};
    std::atomic<std::uint64_t> closed_expired{0};
    std::atomic<std::uint64_t> closed_revoked{0};
    std::atomic<std::uint64_t> events_published{0};
    std::atomic<std::uint64_t> tls_handshakes{0};
    std::atomic<std::uint64_t> tls_handshakes_cut{0};

    counter subscriptions{0};  // a gauge: up on subscribe, down on unsubscribe and close
    counter bytes_written{0};
    counter payload_bytes_written{0};
    counter rate_limited_commands{0};
    counter history_replays{0};
    counter history_unrecovered{0};
    counter remote_events_shed{0};
    counter revalidation_lookups{0};
    counter revalidation_failures{0};
    close_code_counters closed_by_code;
    auth_failure_counters auth_failures;
    command_error_counters command_errors;
    latency_histogram publish_latency;   // HTTP request read → last subscriber's queue
    latency_histogram delivery_latency;  // queued → written to the socket

    // Frames written to a socket (`bytes` on the wire, `plain` bytes uncompressed), `waited`
    // after they were queued.
    void count_write(std::size_t bytes, std::size_t plain,
                     std::chrono::nanoseconds waited) noexcept {
        bump(bytes_written, bytes);
        bump(payload_bytes_written, plain);
        delivery_latency.observe(waited);
    }
    void count_resume(bool recovered) noexcept {
        bump(recovered ? history_replays : history_unrecovered);
    }

    server_stats snapshot() const {
        server_stats s;
        s.connections = connections.load();
        s.connections_accepted = connections_accepted.load();
        s.connections_refused = connections_refused.load();
        s.closed_slow_consumer = closed_slow_consumer.load();
        s.closed_heartbeat = closed_heartbeat.load();
        s.closed_write_timeout = closed_write_timeout.load();
        s.closed_rate_limited = closed_rate_limited.load();
        s.closed_expired = closed_expired.load();
        s.closed_revoked = closed_revoked.load();
        s.events_published = events_published.load();
        s.tls_handshakes = tls_handshakes.load();
        s.tls_handshakes_cut = tls_handshakes_cut.load();
        s.subscriptions = subscriptions.load(std::memory_order_relaxed);
        s.bytes_written = bytes_written.load(std::memory_order_relaxed);
        s.payload_bytes_written = payload_bytes_written.load(std::memory_order_relaxed);
        s.rate_limited_commands = rate_limited_commands.load(std::memory_order_relaxed);
        s.history_replays = history_replays.load(std::memory_order_relaxed);
        s.history_unrecovered = history_unrecovered.load(std::memory_order_relaxed);
        s.remote_events_shed = remote_events_shed.load(std::memory_order_relaxed);
        s.revalidation_lookups = revalidation_lookups.load(std::memory_order_relaxed);
        s.revalidation_failures = revalidation_failures.load(std::memory_order_relaxed);
        s.closed_by_code = closed_by_code.read();
        s.auth_failures = auth_failures.read();
        s.command_errors = command_errors.read();
        s.publish_latency = publish_latency.read();
        s.delivery_latency = delivery_latency.read();
        return s;
    }
};

}  // namespace kata::server
