#include "load/report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "load/threshold.hpp"

namespace kata::load {
namespace {

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

void latency_line(std::ostream& out, const char* label, const histogram& h) {
    out << "  " << label;
    if (h.count() == 0) {
        out << "no samples\n";
        return;
    }
    out << "p50 " << format_micros(h.percentile(50)) << "  p90 " << format_micros(h.percentile(90))
        << "  p99 " << format_micros(h.percentile(99)) << "  p99.9 "
        << format_micros(h.percentile(99.9)) << "  max " << format_micros(h.max())
        << "  (n=" << h.count() << ")\n";
}

nlohmann::ordered_json latency_json(const histogram& h) {
    nlohmann::ordered_json j{
        {"count", h.count()}, {"min_us", h.min()}, {"max_us", h.max()}, {"mean_us", h.mean()}};
    j["p50_us"] = h.percentile(50);
    j["p90_us"] = h.percentile(90);
    j["p99_us"] = h.percentile(99);
    j["p99_9_us"] = h.percentile(99.9);
    return j;
}

std::string cpu_text(const cpu_time& t) {
    return fixed(t.total_s(), 2) + " s  (user " + fixed(t.user_s, 2) + " s, sys " +
           fixed(t.sys_s, 2) + " s)";
}

std::string per_delivery_text(const report& r, const cpu_time& t) {
    return r.deliveries.delivered == 0 ? "- us/delivery"
                                       : fixed(r.us_per_delivery(t), 2) + " us/delivery";
}

void cpu_lines(std::ostream& out, const report& r) {
    out << "cpu over the run (" << fixed(r.run_wall_s, 1)
        << " s wall: connect, publish, drain, close)\n";
    out << "  load client  " << cpu_text(r.load_cpu) << "  " << per_delivery_text(r, r.load_cpu)
        << "  [" << r.load_threads << " subscriber thread" << (r.load_threads == 1 ? "" : "s")
        << " + 1 control; busiest " << fixed(r.busiest_thread_share * 100, 0) << "% busy]\n";
    out << "  server       ";
    if (r.server_cpu) {
        out << cpu_text(*r.server_cpu) << "  " << per_delivery_text(r, *r.server_cpu);
    } else {
        out << "not measured (--server-pid PID)";
    }
    if (!r.server_cpu_note.empty()) out << "  [" << r.server_cpu_note << "]";
    out << "\n";
    // A subscriber thread that was busy most of the run may have been the limit: the latency and
    // rate figures may then measure the load client rather than the server.
    if (r.busiest_thread_share > 0.8) {
        out << "  note: a load client thread was busy " << fixed(r.busiest_thread_share * 100, 0)
            << "% of the run; it may be the bottleneck (raise --threads)\n";
    }
}

nlohmann::ordered_json cpu_json(const report& r, const cpu_time& t) {
    return {{"user_s", t.user_s},
            {"sys_s", t.sys_s},
            {"total_s", t.total_s()},
            {"us_per_delivery", r.us_per_delivery(t)}};
}

}  // namespace

double report::us_per_delivery(const cpu_time& cpu) const {
    return deliveries.delivered == 0
               ? 0.0
               : cpu.total_s() * 1e6 / static_cast<double>(deliveries.delivered);
}

double report::deliveries_per_second() const {
    return delivery_elapsed_s > 0 ? static_cast<double>(deliveries.delivered) / delivery_elapsed_s
                                  : 0.0;
}

void print_report(std::ostream& out, const report& r, const std::vector<threshold_result>& checks) {
    out << "kata-rt loadtest  " << r.url << "\n"
        << "  " << r.connections << (r.connections == 1 ? " connection" : " connections")
        << " over " << r.channels << (r.channels == 1 ? " channel, " : " channels, ")
        << fixed(r.rate, 0) << " events/s for " << fixed(r.duration_s, 1) << " s (ramp "
        << fixed(r.ramp_s, 1) << " s), payload " << r.payload_bytes << " B";
    if (r.churn_rate > 0) out << ", churn " << fixed(r.churn_rate, 1) << "/s";
    out << "\n\n";

    out << "connections\n"
        << "  subscribed " << r.connected << "/" << r.connections << "  failed "
        << r.connect_failed;
    if (!r.first_connect_error.empty()) out << "  (first: " << r.first_connect_error << ")";
    out << "\n";
    if (r.nodes.size() > 1) {
        out << "  upgraded per node:";
        for (const auto& [url, n] : r.nodes)
            out << "  " << url << " " << n;
        out << "\n";
    }
    latency_line(out, "connect   ", r.connect_latency);
    latency_line(out, "upgrade   ", r.upgrade_latency);
    latency_line(out, "subscribe ", r.subscribe_latency);
    out << "  disconnects during run: ";
    if (r.disconnects.empty()) out << "none";
    for (auto it = r.disconnects.begin(); it != r.disconnects.end(); ++it) {
        if (it != r.disconnects.begin()) out << ", ";
        out << it->first << " x" << it->second;
    }
    out << "\n";
    if (r.churn_rate > 0) {
        out << "  churn: cut " << r.churned << "  resumed " << r.resumed << "  recovered:false "
            << r.unrecovered << "  reconnect failed " << r.reconnect_failed;
        if (r.churn_skipped != 0) out << "  skipped " << r.churn_skipped;
        if (!r.first_reconnect_error.empty()) out << "  (first: " << r.first_reconnect_error << ")";
        out << "\n";
        latency_line(out, "reconnect ", r.reconnect_latency);
    }
    out << "\n";

    out << "publishing\n"
        << "  events " << r.events_sent << " in " << r.publish_requests << " requests, "
        << fixed(r.publish_elapsed_s > 0 ? static_cast<double>(r.events_sent) / r.publish_elapsed_s
                                         : 0.0,
                 1)
        << " events/s, failed " << r.events_failed;
    if (!r.first_publish_error.empty()) out << "  (first: " << r.first_publish_error << ")";
    out << "\n\n";

    const auto& d = r.deliveries;
    out << "deliveries\n"
        << "  expected " << d.expected << "  delivered " << d.delivered << "  lost " << d.lost
        << "  duplicated " << d.duplicated << "  reordered " << d.reordered;
    if (d.unexpected != 0) out << "  unexpected " << d.unexpected;
    out << "\n  rate " << fixed(r.deliveries_per_second(), 0) << " deliveries/s\n";
    out << "  received " << r.wire_bytes << " bytes on the wire for " << r.message_bytes
        << " bytes of messages";
    if (r.message_bytes != 0) {
        out << " ("
            << fixed(
                   100.0 * static_cast<double>(r.wire_bytes) / static_cast<double>(r.message_bytes),
                   1)
            << " %" << (r.deflate ? ", permessage-deflate" : "") << ")";
    }
    out << "\n";
    latency_line(out, "latency   ", r.latency);
    out << "\n";

    out << "server peak RSS: ";
    if (r.server_peak_rss_kb) {
        out << fixed(static_cast<double>(*r.server_peak_rss_kb) / 1024.0, 1) << " MiB";
        if (r.connected > 0) {
            out << " ("
                << fixed(static_cast<double>(*r.server_peak_rss_kb) /
                             static_cast<double>(r.connected),
                         1)
                << " KiB per connection)";
        }
    } else {
        out << "not measured";
    }
    if (!r.server_rss_note.empty()) out << "  [" << r.server_rss_note << "]";
    out << "\n";
    cpu_lines(out, r);

    if (!checks.empty()) {
        out << "\nthresholds\n";
        for (const auto& c : checks) {
            out << "  " << (c.holds ? "ok      " : "BREACHED") << "  " << c.check.text
                << "  (observed " << c.observed << ")\n";
        }
    }
}

std::string report_json(const report& r, const std::vector<threshold_result>& checks) {
    nlohmann::ordered_json j;
    j["scenario"] = {{"url", r.url},
                     {"connections", r.connections},
                     {"channels", r.channels},
                     {"rate", r.rate},
                     {"duration_s", r.duration_s},
                     {"ramp_s", r.ramp_s},
                     {"payload_bytes", r.payload_bytes},
                     {"churn", r.churn_rate}};
    nlohmann::ordered_json disconnects = nlohmann::ordered_json::object();
    for (const auto& [code, count] : r.disconnects)
        disconnects[std::to_string(code)] = count;
    nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
    for (const auto& [url, n] : r.nodes)
        nodes.push_back({{"url", url}, {"upgraded", n}});
    j["connections"] = {{"subscribed", r.connected},
                        {"nodes", nodes},
                        {"failed", r.connect_failed},
                        {"first_error", r.first_connect_error},
                        {"connect_latency", latency_json(r.connect_latency)},
                        {"upgrade_latency", latency_json(r.upgrade_latency)},
                        {"subscribe_latency", latency_json(r.subscribe_latency)},
                        {"disconnects", disconnects}};
    j["churn"] = {{"cut", r.churned},
                  {"resumed", r.resumed},
                  {"unrecovered", r.unrecovered},
                  {"reconnect_failed", r.reconnect_failed},
                  {"skipped", r.churn_skipped},
                  {"first_error", r.first_reconnect_error},
                  {"reconnect_latency", latency_json(r.reconnect_latency)}};
    j["publishing"] = {{"events", r.events_sent},
                       {"failed", r.events_failed},
                       {"requests", r.publish_requests},
                       {"first_error", r.first_publish_error},
                       {"elapsed_s", r.publish_elapsed_s}};
    const auto& d = r.deliveries;
    j["deliveries"] = {{"expected", d.expected},
                       {"delivered", d.delivered},
                       {"lost", d.lost},
                       {"duplicated", d.duplicated},
                       {"reordered", d.reordered},
                       {"unexpected", d.unexpected},
                       {"per_second", r.deliveries_per_second()},
                       {"latency", latency_json(r.latency)}};
    j["received"] = {
        {"deflate", r.deflate}, {"wire_bytes", r.wire_bytes}, {"message_bytes", r.message_bytes}};
    j["server"] = {
        {"peak_rss_kb", r.server_peak_rss_kb ? nlohmann::ordered_json(*r.server_peak_rss_kb)
                                             : nlohmann::ordered_json(nullptr)},
        {"note", r.server_rss_note}};
    auto load_client = cpu_json(r, r.load_cpu);
    load_client["threads"] = r.load_threads;
    load_client["busiest_thread_share"] = r.busiest_thread_share;
    auto server_cpu = r.server_cpu ? cpu_json(r, *r.server_cpu) : nlohmann::ordered_json(nullptr);
    if (r.server_cpu) server_cpu["note"] = r.server_cpu_note;
    j["cpu"] = {{"wall_s", r.run_wall_s},
                {"load_client", load_client},
                {"server", server_cpu},
                {"process", cpu_json(r, r.process_cpu)}};
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (const auto& c : checks) {
        results.push_back(
            {{"threshold", c.check.text}, {"holds", c.holds}, {"observed", c.observed}});
    }
    j["thresholds"] = results;
    return j.dump(2) + "\n";
}

}  // namespace kata::load
