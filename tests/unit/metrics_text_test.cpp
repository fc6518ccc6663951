#include "core/server/ops/metrics_text.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace kata::server {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (l == line) return true;
    }
    return false;
}

TEST(MetricsText, RendersGaugesCountersAndLabelsWithHelpAndType) {
    server_counters c;
    c.connections = 3;
    bump(c.subscriptions, 5);
    c.connections_accepted = 7;
    c.closed_by_code.add(4008);
    c.closed_by_code.add(4008);
    c.closed_by_code.add(3999);  // not in the table: "other"
    c.auth_failures.add(auth_failure::missing_scope);
    c.command_errors.add("forbidden");
    c.command_errors.add("made_up_code");
    c.count_resume(false);
    c.count_write(300, 1000, std::chrono::nanoseconds(0));  // compressed: fewer bytes on the wire
    c.tls_handshakes = 4;
    c.tls_handshakes_cut = 6;
    metrics_snapshot snap;
    snap.stats = c.snapshot();
    snap.channels = 2;
    snap.queued_bytes = 1234;
    snap.deliveries = 99;
    snap.history_channels_evicted = 17;
    snap.events_framed = 12;
    snap.compressions = 4;
    const auto text = render_metrics(snap);
    EXPECT_TRUE(has_line(text, "kata_rt_written_bytes_total 300")) << text;
    EXPECT_TRUE(has_line(text, "kata_rt_written_payload_bytes_total 1000"));
    EXPECT_TRUE(has_line(text, "kata_rt_events_framed_total 12"));
    EXPECT_TRUE(has_line(text, "# TYPE kata_rt_event_compressions_total counter"));
    EXPECT_TRUE(has_line(text, "kata_rt_event_compressions_total 4"));

    EXPECT_TRUE(has_line(text, "# TYPE kata_rt_connections gauge")) << text;
    EXPECT_TRUE(has_line(text, "kata_rt_connections 3"));
    EXPECT_TRUE(has_line(text, "kata_rt_subscriptions 5"));
    EXPECT_TRUE(has_line(text, "kata_rt_channels 2"));
    EXPECT_TRUE(has_line(text, "kata_rt_queued_bytes 1234"));
    EXPECT_TRUE(has_line(text, "# TYPE kata_rt_tls_handshakes gauge"));
    EXPECT_TRUE(has_line(text, "kata_rt_tls_handshakes 4"));
    EXPECT_TRUE(has_line(text, "kata_rt_tls_handshakes_cut_total 6"));
    EXPECT_TRUE(has_line(text, "# TYPE kata_rt_connections_accepted_total counter"));
    EXPECT_TRUE(has_line(text, "kata_rt_connections_accepted_total 7"));
    EXPECT_TRUE(has_line(text, "kata_rt_connections_closed_total{code=\"4008\"} 2"));
    EXPECT_TRUE(has_line(text, "kata_rt_connections_closed_total{code=\"other\"} 1"));
    EXPECT_TRUE(has_line(text, "kata_rt_connections_closed_total{code=\"1009\"} 0"));
    EXPECT_TRUE(has_line(text, "kata_rt_auth_failures_total{reason=\"missing_scope\"} 1"));
    EXPECT_TRUE(has_line(text, "kata_rt_command_errors_total{code=\"forbidden\"} 1"));
    EXPECT_TRUE(has_line(text, "kata_rt_command_errors_total{code=\"other\"} 1"));
    EXPECT_TRUE(has_line(text, "kata_rt_deliveries_total 99"));
    EXPECT_TRUE(has_line(text, "kata_rt_history_unrecovered_total 1"));
    EXPECT_TRUE(has_line(text, "kata_rt_history_replays_total 0"));
    EXPECT_TRUE(has_line(text, "kata_rt_history_channels_evicted_total 17"));
    EXPECT_EQ(text.find("process_"), std::string::npos) << "no process stats, no process_*";
    EXPECT_EQ(text.back(), '\n');
}

TEST(MetricsText, HistogramBucketsAreCumulativeWithSumAndCountInSeconds) {
    latency_histogram h;
    h.observe(50us);   // first bucket (0.0001)
    h.observe(100us);  // on the bound: still the first bucket (le is inclusive)
    h.observe(3ms);    // 0.005
    h.observe(10s);    // +Inf only
    metrics_snapshot snap;
    snap.stats.publish_latency = h.read();
    const auto text = render_metrics(snap);
    EXPECT_TRUE(has_line(text, "# TYPE kata_rt_publish_latency_seconds histogram"));
    EXPECT_TRUE(has_line(text, "kata_rt_publish_latency_seconds_bucket{le=\"0.0001\"} 2")) << text;
    EXPECT_TRUE(has_line(text, "kata_rt_publish_latency_seconds_bucket{le=\"0.0025\"} 2"));
    EXPECT_TRUE(has_line(text, "kata_rt_publish_latency_seconds_bucket{le=\"0.005\"} 3"));
    EXPECT_TRUE(has_line(text, "kata_rt_publish_latency_seconds_bucket{le=\"2.5\"} 3"));
    EXPECT_TRUE(has_line(text, "kata_rt_publish_latency_seconds_bucket{le=\"+Inf\"} 4"));
    EXPECT_TRUE(has_line(text, "kata_rt_publish_latency_seconds_count 4"));
    EXPECT_TRUE(has_line(text, "kata_rt_publish_latency_seconds_sum 10.00315"));
    EXPECT_TRUE(has_line(text, "kata_rt_delivery_latency_seconds_count 0"));
}

TEST(MetricsText, ProcessMetricsWhenPresent) {
    metrics_snapshot snap;
    snap.process = process_stats{1.5, 4096, 1700000000.25, 12, 1024};
    const auto text = render_metrics(snap);
    EXPECT_TRUE(has_line(text, "# TYPE process_cpu_seconds_total counter"));
    EXPECT_TRUE(has_line(text, "process_cpu_seconds_total 1.5"));
    EXPECT_TRUE(has_line(text, "process_resident_memory_bytes 4096"));
    EXPECT_TRUE(has_line(text, "process_start_time_seconds 1700000000.25"));
    EXPECT_TRUE(has_line(text, "process_open_fds 12"));
    EXPECT_TRUE(has_line(text, "process_max_fds 1024"));
}

TEST(MetricsText, ProcessStatsReadFromProc) {
    const auto p = read_process_stats();
    ASSERT_TRUE(p);
    EXPECT_GT(p->resident_bytes, 0);
    EXPECT_GT(p->open_fds, 2u);  // stdin, stdout, stderr at least
    EXPECT_GT(p->max_fds, 0u);
    EXPECT_GT(p->start_time_seconds, 1.6e9);
}

}  // namespace
}  // namespace kata::server
