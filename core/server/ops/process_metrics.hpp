#pragma once
#include <cstdint>
#include <optional>

namespace kata::server {

// The standard process_* metrics, as the Prometheus client libraries define them.
struct process_stats {
    double cpu_seconds = 0;         // user + system
    double resident_bytes = 0;      // RSS
    double start_time_seconds = 0;  // since the Unix epoch
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;  // the soft RLIMIT_NOFILE
};

// Read from /proc/self; nullopt where /proc is unavailable (the metrics are then left out).
std::optional<process_stats> read_process_stats();

}  // namespace kata::server
