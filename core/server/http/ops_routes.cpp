#include "core/server/http/ops_routes.hpp"

#include "core/server/http/http_responses.hpp"

namespace kata::server {
namespace {

std::string_view path_of(const http_request& req) {
    std::string_view target(req.target().data(), req.target().size());
    return target.substr(0, target.find('?'));
}

http_response metrics_response(const http_request& req, server_state& state) {
    http_response res{http::status::ok, req.version()};
    res.set(http::field::server, "kata-rt");
    res.set(http::field::content_type, metrics_content_type);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = render_metrics(collect_metrics(state));
    res.prepare_payload();
    return res;
}

}  // namespace

metrics_snapshot collect_metrics(server_state& state) {
    metrics_snapshot snap;
    snap.stats = state.counters.snapshot();
    snap.channels = state.hub.channel_count();
    snap.queued_bytes = state.queued_bytes();
    snap.deliveries = state.hub.deliveries.load(std::memory_order_relaxed);
    snap.remote_gaps = state.hub.remote_gaps.load(std::memory_order_relaxed);
    snap.history_channels_evicted = state.hub.channels_evicted.load(std::memory_order_relaxed);
    snap.events_framed = state.hub.events_framed.load(std::memory_order_relaxed);
    snap.compressions = state.hub.compressions.load(std::memory_order_relaxed);
    snap.process = read_process_stats();
    return snap;
}

std::optional<http_response> ops_route(const http_request& req, server_state& state) {
    const auto path = path_of(req);
    if (path != "/healthz" && path != "/readyz" && path != "/metrics") return std::nullopt;
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        return error_response(req, http::status::method_not_allowed, "method_not_allowed",
                              "use GET");
    }
    if (path == "/healthz") return json_response(req, http::status::ok, R"({"status":"ok"})");
    if (path == "/readyz") {
        if (state.stopping.load()) {
            return error_response(req, http::status::service_unavailable, "shutting_down",
                                  "the server is shutting down");
        }
        if (const auto* b = state.hub.remote(); b != nullptr && !b->ready()) {
            return error_response(req, http::status::service_unavailable, "broker_unavailable",
                                  "the broker (Redis) is unreachable");
        }
        if (state.disconnects != nullptr && !state.disconnects->ready()) {
            return error_response(req, http::status::service_unavailable, "broker_unavailable",
                                  "not yet following the broker's disconnects");
        }
        return json_response(req, http::status::ok, R"({"status":"ready"})");
    }
    return metrics_response(req, state);
}

}  // namespace kata::server
