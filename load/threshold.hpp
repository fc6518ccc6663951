#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kata::load {

struct report;

// What a threshold looks at. Latencies are delivery latency unless prefixed `connect_`.
enum class metric {
    p50,
    p90,
    p99,
    p999,
    max,
    connect_p50,
    connect_p90,
    connect_p99,
    connect_p999,
    connect_max,
    loss,              // lost deliveries (count)
    duplicated,        // duplicate deliveries (count)
    reordered,         // out-of-order deliveries (count)
    disconnects,       // connections the server or network closed during the run (count)
    connect_failed,    // connections that never subscribed (count)
    churned,           // --churn: connections cut and reconnected (count)
    unrecovered,       // --churn: resubscribes answered recovered:false (count)
    reconnect_failed,  // --churn: reconnects that never resubscribed (count)
};

enum class comparison { less, less_equal, equal, greater_equal, greater };

// One `--threshold` expression, e.g. `p99<25ms` (value kept in microseconds) or `loss==0`.
struct threshold {
    std::string text;  // as written, to name it in the output
    metric what = metric::p99;
    comparison op = comparison::less;
    std::uint64_t value = 0;  // microseconds for latencies, a count otherwise

    bool operator==(const threshold&) const = default;
};

// Parses one expression; an error message (naming the expression) when it is malformed.
// Latencies need a unit (us, ms, s; decimals allowed: `1.5ms`); counts take none.
std::variant<threshold, std::string> parse_threshold(std::string_view text);

struct threshold_result {
    threshold check;
    bool holds = false;
    std::string observed;  // the measured value, formatted with its unit
};

// Judges each threshold against the report. A latency threshold with no samples does not hold:
// a gate must not pass because nothing was measured.
std::vector<threshold_result> evaluate_thresholds(const std::vector<threshold>& checks,
                                                  const report& r);

// `1234` us as "1.23ms", for tables and messages.
std::string format_micros(std::uint64_t us);

}  // namespace kata::load
