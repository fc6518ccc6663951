#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/server/ops/process_metrics.hpp"
#include "core/server/ops/server_stats.hpp"

namespace kata::server {

// Everything one scrape shows, gathered at once.
struct metrics_snapshot {
    server_stats stats;
    std::uint64_t channels = 0;
    std::uint64_t queued_bytes = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t remote_gaps = 0;
    std::uint64_t history_channels_evicted = 0;
    std::uint64_t events_framed = 0;  // events this node framed for its subscribers
    std::uint64_t compressions = 0;   // of those, the ones also compressed (once each)
    std::optional<process_stats> process;
};

inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// Prometheus text exposition format 0.0.4. Pure: the same snapshot gives the same text.
std::string render_metrics(const metrics_snapshot& snap);

}  // namespace kata::server
