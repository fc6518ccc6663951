#include "core/config/config_diff.hpp"

namespace kata::config {

std::vector<std::string> keys_needing_restart(const server_config& a, const server_config& b) {
    std::vector<std::string> out;
    const auto check = [&](bool same, const char* key) {
        if (!same) out.emplace_back(key);
    };
    check(a.listen_host == b.listen_host && a.listen_port == b.listen_port, "listen");
    check(a.threads == b.threads, "threads");
    check(a.allowed_origins == b.allowed_origins, "allowed_origins");
    check(a.session_cookie == b.session_cookie, "session_cookie");
    check(a.heartbeat.interval == b.heartbeat.interval, "heartbeat.interval_ms");
    check(a.heartbeat.timeout == b.heartbeat.timeout, "heartbeat.timeout_ms");
    const auto& l = a.limits;
    const auto& m = b.limits;
    check(l.max_message_bytes == m.max_message_bytes, "limits.max_message_bytes");
    check(l.max_subscriptions == m.max_subscriptions, "limits.max_subscriptions");
    check(l.max_queued_bytes == m.max_queued_bytes, "limits.max_queued_bytes");
    check(l.write_timeout == m.write_timeout, "limits.write_timeout_ms");
    check(l.max_connections == m.max_connections, "limits.max_connections");
    check(l.commands_per_second == m.commands_per_second, "limits.commands_per_second");
    check(l.max_tls_handshakes == m.max_tls_handshakes, "limits.max_tls_handshakes");
    check(l.max_remote_backlog_bytes == m.max_remote_backlog_bytes,
          "limits.max_remote_backlog_bytes");
    check(a.history.size == b.history.size, "history.size");
    check(a.history.ttl == b.history.ttl, "history.ttl_ms");
    check(a.history.max_bytes == b.history.max_bytes, "history.max_bytes");
    check(a.history.max_total_bytes == b.history.max_total_bytes, "history.max_total_bytes");
    check(a.compression == b.compression, "compression");
    // A reload reads new certificate and key files, but switching TLS on or off changes what the
    // listener speaks: a restart.
    check(a.tls.has_value() == b.tls.has_value(), "tls");
    check(a.broker.type == b.broker.type && a.broker.urls == b.broker.urls &&
              a.broker.prefix == b.broker.prefix &&
              a.broker.connect_timeout == b.broker.connect_timeout &&
              a.broker.health_check == b.broker.health_check &&
              a.broker.password_env == b.broker.password_env,
          "broker");
    // The HTTP directory is built once: a SIGHUP clears its cache but does not rebuild it, and a
    // switch between the file and the HTTP directory needs a restart too.
    check(a.directory.http == b.directory.http, "directory.http");
    return out;
}

}  // namespace kata::config
