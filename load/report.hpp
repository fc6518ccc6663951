#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "load/accounting.hpp"
#include "load/cpu_usage.hpp"
#include "load/histogram.hpp"

namespace kata::load {

struct threshold_result;

// Everything a load run measured. Latencies are in microseconds.
struct report {
    // What was asked.
    std::string url;
    std::size_t connections = 0;
    std::size_t channels = 0;
    double rate = 0;        // events/s, all channels together
    double duration_s = 0;  // publishing phase
    double ramp_s = 0;      // connection ramp-up
    std::size_t payload_bytes = 0;
    double churn_rate = 0;  // --churn: connections cut and resumed per second (0: none)

    // Connections.
    std::size_t connected = 0;        // upgraded and subscribed
    std::size_t connect_failed = 0;   // TCP, upgrade or subscribe failed (or timed out)
    std::string first_connect_error;  // the first failure's reason, to tell "why" at a glance
    // With several nodes (--url): each node's URL and the connections first upgraded there.
    std::vector<std::pair<std::string, std::size_t>> nodes;
    histogram connect_latency;      // TCP connect start -> `subscribed` received
    histogram upgrade_latency;      // of which: TCP connect start -> 101 Switching Protocols
    histogram subscribe_latency;    // and: subscribe sent -> `subscribed`
    disconnect_counts disconnects;  // closed by the server or the network during the run

    // Publishing.
    std::uint64_t events_sent = 0;       // attempted (each has a sequence number)
    std::uint64_t events_failed = 0;     // in a POST that failed: they count as lost too
    std::uint64_t publish_requests = 0;  // POSTs (batches)
    std::string first_publish_error;
    double publish_elapsed_s = 0;

    // Deliveries.
    delivery_totals deliveries;
    histogram latency;                // intended send time -> received, first deliveries only
    double delivery_elapsed_s = 0;    // publishing phase plus drain: the denominator of the rate
    bool deflate = false;             // --deflate was asked for
    std::uint64_t wire_bytes = 0;     // received on the WebSockets (frames, compressed or not)
    std::uint64_t message_bytes = 0;  // the text messages they carried, uncompressed

    // --churn (all zero without it).
    std::uint64_t churned = 0;           // connections cut on purpose, each reconnected at once
    std::uint64_t resumed = 0;           // resubscribed with `since`
    std::uint64_t unrecovered = 0;       // resubscribes answered recovered:false (or no answer)
    std::uint64_t reconnect_failed = 0;  // reconnects that never got `subscribed` again
    std::uint64_t churn_skipped = 0;     // cuts due while no connection could be cut
    std::string first_reconnect_error;
    histogram reconnect_latency;  // cut -> `subscribed` again

    // Peak resident memory of the server (kB), when it could be read.
    std::optional<std::uint64_t> server_peak_rss_kb;
    std::string server_rss_note;  // e.g. "embedded: load client and server in one process"

    // CPU time over the whole run (connect, publish, drain, close), so a reader can tell whether
    // the figures above measure the server or the load client.
    double run_wall_s = 0;
    cpu_time load_cpu;                   // the load client's own threads (subscribers + control)
    std::size_t load_threads = 0;        // subscriber threads (the control thread comes on top)
    double busiest_thread_share = 0;     // CPU / wall of the busiest subscriber thread
    cpu_time process_cpu;                // this whole process (getrusage RUSAGE_SELF)
    std::optional<cpu_time> server_cpu;  // when the server's pid is known
    std::string server_cpu_note;         // where server_cpu comes from

    double deliveries_per_second() const;
    // CPU microseconds per delivery (0 without deliveries).
    double us_per_delivery(const cpu_time& cpu) const;
};

// The human table (stdout).
void print_report(std::ostream& out, const report& r, const std::vector<threshold_result>& checks);

// The whole report as JSON (for --json FILE).
std::string report_json(const report& r, const std::vector<threshold_result>& checks);

}  // namespace kata::load
