#include "core/server/ops/metrics_text.hpp"

#include "core/config/version.hpp"

#include <charconv>
#include <string_view>

namespace kata::server {
namespace {

class exposition {
  public:
    // Every family gets HELP and TYPE first: promtool and scrapers expect them.
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
        out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    }
    void sample(std::string_view name, std::uint64_t value, std::string_view labels = {}) {
        start(name, labels);
        append_number(value);
        out_ += '\n';
    }
    void sample(std::string_view name, double value, std::string_view labels = {}) {
        start(name, labels);
        char buf[32];
        const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
        out_.append(buf, end);
        out_ += '\n';
    }
    // One metric, no labels.
    void single(std::string_view name, std::string_view type, std::string_view help,
                std::uint64_t value) {
        family(name, type, help);
        sample(name, value);
    }
    void histogram(std::string_view name, std::string_view help,
                   const latency_histogram::snapshot& h) {
        family(name, "histogram", help);
        std::uint64_t cumulative = 0;
        const std::string bucket = std::string(name) + "_bucket";
        for (std::size_t i = 0; i < latency_histogram::bucket_count; ++i) {
            cumulative += h.buckets[i];
            sample(bucket, cumulative,
                   "le=\"" + std::string(latency_histogram::upper_bound_labels[i]) + "\"");
        }
        cumulative += h.buckets.back();
        sample(bucket, cumulative, "le=\"+Inf\"");
        sample(std::string(name) + "_sum", static_cast<double>(h.sum_ns) / 1e9);
        sample(std::string(name) + "_count", cumulative);
    }
    std::string take() { return std::move(out_); }

  private:
    void start(std::string_view name, std::string_view labels) {
        out_.append(name);
        if (!labels.empty()) out_.append("{").append(labels).append("}");
        out_ += ' ';
    }
    void append_number(std::uint64_t value) {
        char buf[24];
        const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
        out_.append(buf, end);
    }
    std::string out_;
};

std::string label(std::string_view key, std::string_view value) {
    return std::string(key) + "=\"" + std::string(value) + "\"";
}

}  // namespace

std::string render_metrics(const metrics_snapshot& snap) {
    const auto& s = snap.stats;
    exposition e;
    // Constant 1: the version is in the label, so a dashboard can join it to any other series.
    e.family("kata_rt_build_info", "gauge", "The running kata-rt's version (value always 1).");
    e.sample("kata_rt_build_info", std::uint64_t{1}, label("version", config::version()));
    e.single("kata_rt_connections", "gauge", "Open WebSocket connections.", s.connections);
    e.single("kata_rt_subscriptions", "gauge", "Open channel subscriptions over all connections.",
             s.subscriptions);
    e.single("kata_rt_channels", "gauge", "Channels with subscribers or held history.",
             snap.channels);
    e.single("kata_rt_tls_handshakes", "gauge",
             "TLS handshakes in progress (each holds a slot of max_connections).",
             s.tls_handshakes);
    e.single("kata_rt_queued_bytes", "gauge",
             "Outbound bytes queued for connections and not yet written.", snap.queued_bytes);

    e.single("kata_rt_connections_accepted_total", "counter",
             "WebSocket upgrades that got a principal.", s.connections_accepted);
    e.single("kata_rt_connections_refused_total", "counter",
             "Upgrades refused at connect (HTTP 403 or an immediate close).",
             s.connections_refused);
    e.family("kata_rt_connections_closed_total", "counter",
             "Closed WebSocket connections by close code (1006: no close frame).");
    for (std::size_t i = 0; i < close_code_counters::size; ++i) {
        const auto code = i < close_code_labels.size() ? std::to_string(close_code_labels[i])
                                                       : std::string("other");
        e.sample("kata_rt_connections_closed_total", s.closed_by_code[i], label("code", code));
    }
    e.family("kata_rt_auth_failures_total", "counter",
             "Connects and publishes refused for their credential or origin, by reason.");
    for (std::size_t i = 0; i < auth_failure_counters::size; ++i) {
        e.sample("kata_rt_auth_failures_total", s.auth_failures[i],
                 label("reason", auth_failure_labels[i]));
    }
    e.single("kata_rt_events_published_total", "counter", "Events accepted by the publish API.",
             s.events_published);
    e.single("kata_rt_deliveries_total", "counter",
             "Events handed to subscriber queues (one per subscriber per event).", snap.deliveries);
    e.single("kata_rt_written_bytes_total", "counter",
             "WebSocket frame bytes written to sockets (on the wire, compressed or not).",
             s.bytes_written);
    e.single("kata_rt_written_payload_bytes_total", "counter",
             "The same frames' bytes as they would be uncompressed.", s.payload_bytes_written);
    e.single("kata_rt_events_framed_total", "counter", "Events framed for this node's subscribers.",
             snap.events_framed);
    e.single("kata_rt_event_compressions_total", "counter",
             "Events also compressed for permessage-deflate subscribers (at most once per event).",
             snap.compressions);
    e.family("kata_rt_command_errors_total", "counter",
             "Error envelopes sent in answer to client commands, by code.");
    for (std::size_t i = 0; i < command_error_counters::size; ++i) {
        e.sample("kata_rt_command_errors_total", s.command_errors[i],
                 label("code", command_error_labels[i]));
    }
    e.single("kata_rt_tls_handshakes_cut_total", "counter",
             "TLS handshakes cut for a newer one past limits.max_tls_handshakes.",
             s.tls_handshakes_cut);
    e.single("kata_rt_slow_consumer_cuts_total", "counter",
             "Connections closed with 4008: outbound queue over max_queued_bytes, or events "
             "from the broker dropped over max_remote_backlog_bytes.",
             s.closed_slow_consumer);
    e.single("kata_rt_write_timeouts_total", "counter",
             "Connections cut after a write made no progress for write_timeout_ms.",
             s.closed_write_timeout);
    e.single("kata_rt_heartbeat_timeouts_total", "counter",
             "Connections closed with 4408: silent for heartbeat.timeout_ms.", s.closed_heartbeat);
    e.single("kata_rt_rate_limited_commands_total", "counter",
             "Commands refused with rate_limited.", s.rate_limited_commands);
    e.single("kata_rt_rate_limit_disconnects_total", "counter",
             "Connections closed with 4429 for sustained command floods.", s.closed_rate_limited);
    e.family("kata_rt_closes_total", "counter",
             "Connections the server closed 4401 because their credential ended, by reason.");
    e.sample("kata_rt_closes_total", s.closed_expired, label("reason", "expired"));
    e.sample("kata_rt_closes_total", s.closed_revoked, label("reason", "revoked"));
    e.single("kata_rt_revalidation_lookups_total", "counter",
             "Directory lookups re-validating the credentials and channel owners of open "
             "connections (directory.http.revalidate_ms).",
             s.revalidation_lookups);
    e.single("kata_rt_revalidation_failures_total", "counter",
             "Re-validation lookups the directory backend did not answer (down, slow, 5xx); the "
             "connections concerned kept their last good answer.",
             s.revalidation_failures);
    e.single("kata_rt_history_replays_total", "counter",
             "Resubscribes with since answered recovered: true.", s.history_replays);
    e.single("kata_rt_history_unrecovered_total", "counter",
             "Resubscribes with since answered recovered: false.", s.history_unrecovered);
    e.single("kata_rt_remote_events_shed_total", "counter",
             "Events from the broker a worker dropped over max_remote_backlog_bytes; the "
             "subscriptions that missed them were closed with 4008.",
             s.remote_events_shed);
    e.single("kata_rt_remote_gaps_total", "counter",
             "Events from the broker missed and no longer in its stream; the channel's "
             "subscribers were sent subscribed {\"recovered\": false}.",
             snap.remote_gaps);
    e.single("kata_rt_history_channels_evicted_total", "counter",
             "Channels whose whole history was evicted to stay within history.max_total_bytes.",
             snap.history_channels_evicted);
    e.histogram("kata_rt_publish_latency_seconds",
                "Publish API: request read to the last subscriber's queue.", s.publish_latency);
    e.histogram("kata_rt_delivery_latency_seconds",
                "Frame queued for a connection to written to its socket.", s.delivery_latency);

    if (const auto& p = snap.process) {
        e.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent.");
        e.sample("process_cpu_seconds_total", p->cpu_seconds);
        e.family("process_resident_memory_bytes", "gauge", "Resident memory size.");
        e.sample("process_resident_memory_bytes", p->resident_bytes);
        e.family("process_start_time_seconds", "gauge",
                 "Start time of the process since the Unix epoch.");
        e.sample("process_start_time_seconds", p->start_time_seconds);
        e.single("process_open_fds", "gauge", "Open file descriptors.", p->open_fds);
        e.single("process_max_fds", "gauge", "Maximum number of open file descriptors.",
                 p->max_fds);
    }
    return e.take();
}

}  // namespace kata::server
