#include "load/threshold.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "load/report.hpp"

namespace kata::load {
namespace {

struct metric_name {
    std::string_view name;
    metric what;
    bool latency;
};

constexpr std::array<metric_name, 20> metric_names{{
    {"p50", metric::p50, true},
    {"p90", metric::p90, true},
    {"p99", metric::p99, true},
    {"p99.9", metric::p999, true},
    {"max", metric::max, true},
    {"connect_p50", metric::connect_p50, true},
    {"connect_p90", metric::connect_p90, true},
    {"connect_p99", metric::connect_p99, true},
    {"connect_p99.9", metric::connect_p999, true},
    {"connect_max", metric::connect_max, true},
    {"loss", metric::loss, false},
    {"lost", metric::loss, false},
    {"duplicated", metric::duplicated, false},
    {"reordered", metric::reordered, false},
    {"disconnects", metric::disconnects, false},
    {"connect_failed", metric::connect_failed, false},
    {"connect_failures", metric::connect_failed, false},
    {"churned", metric::churned, false},
    {"unrecovered", metric::unrecovered, false},
    {"reconnect_failed", metric::reconnect_failed, false},
}};

bool is_latency(metric m) {
    for (const auto& n : metric_names) {
        if (n.what == m) return n.latency;
    }
    return false;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

std::string known_metrics() {
    std::string out;
    for (const auto& n : metric_names) {
        if (!out.empty()) out += ", ";
        out += n.name;
    }
    return out;
}

struct latency_point {
    bool connect;
    double percent;  // < 0: max
};

latency_point point_of(metric m) {
    switch (m) {
        case metric::p50:
            return {false, 50};
        case metric::p90:
            return {false, 90};
        case metric::p99:
            return {false, 99};
        case metric::p999:
            return {false, 99.9};
        case metric::max:
            return {false, -1};
        case metric::connect_p50:
            return {true, 50};
        case metric::connect_p90:
            return {true, 90};
        case metric::connect_p99:
            return {true, 99};
        case metric::connect_p999:
            return {true, 99.9};
        default:
            return {true, -1};
    }
}

std::uint64_t count_of(metric m, const report& r) {
    switch (m) {
        case metric::loss:
            return r.deliveries.lost;
        case metric::duplicated:
            return r.deliveries.duplicated;
        case metric::reordered:
            return r.deliveries.reordered;
        case metric::connect_failed:
            return r.connect_failed;
        case metric::churned:
            return r.churned;
        case metric::unrecovered:
            return r.unrecovered;
        case metric::reconnect_failed:
            return r.reconnect_failed;
        default: {
            std::uint64_t n = 0;
            for (const auto& [code, count] : r.disconnects)
                n += count;
            return n;
        }
    }
}

bool compare(std::uint64_t observed, comparison op, std::uint64_t limit) {
    switch (op) {
        case comparison::less:
            return observed < limit;
        case comparison::less_equal:
            return observed <= limit;
        case comparison::equal:
            return observed == limit;
        case comparison::greater_equal:
            return observed >= limit;
        case comparison::greater:
            return observed > limit;
    }
    return false;
}

}  // namespace

std::variant<threshold, std::string> parse_threshold(std::string_view text) {
    const std::string quoted = "threshold '" + std::string(text) + "': ";
    const std::string_view body = trim(text);
    const auto op_at = body.find_first_of("<>=!");
    if (op_at == std::string_view::npos) {
        return quoted + "expected METRIC OP VALUE, e.g. p99<25ms or loss==0";
    }
    threshold t;
    t.text = std::string(body);
    const std::string_view name = trim(body.substr(0, op_at));
    bool found = false;
    for (const auto& n : metric_names) {
        if (n.name == name) {
            t.what = n.what;
            found = true;
        }
    }
    if (!found)
        return quoted + "unknown metric '" + std::string(name) + "' (known: " + known_metrics() +
               ")";

    std::string_view rest = body.substr(op_at);
    struct op_text {
        std::string_view text;
        comparison op;
    };
    // Two-character operators first, so "<=" is not read as "<" followed by "=".
    constexpr std::array<op_text, 5> ops{{{"<=", comparison::less_equal},
                                          {">=", comparison::greater_equal},
                                          {"==", comparison::equal},
                                          {"<", comparison::less},
                                          {">", comparison::greater}}};
    bool op_found = false;
    for (const auto& o : ops) {
        if (rest.starts_with(o.text)) {
            t.op = o.op;
            rest.remove_prefix(o.text.size());
            op_found = true;
            break;
        }
    }
    if (!op_found) return quoted + "operator must be one of <, <=, ==, >=, >";

    rest = trim(rest);
    std::size_t digits = 0;
    while (digits < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
        ++digits;
    }
    double number = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + digits, number);
    if (digits == 0 || ec != std::errc{} || end != rest.data() + digits || number < 0) {
        return quoted + "the value must be a non-negative number";
    }
    const std::string_view unit = trim(rest.substr(digits));
    if (is_latency(t.what)) {
        double scale = 0;
        if (unit == "us") scale = 1;
        if (unit == "ms") scale = 1e3;
        if (unit == "s") scale = 1e6;
        if (scale == 0) return quoted + "a latency needs a unit: us, ms or s (e.g. 25ms)";
        const double micros = number * scale;
        if (micros > 1e15) return quoted + "the value is too large";
        t.value = static_cast<std::uint64_t>(std::llround(micros));
    } else {
        if (!unit.empty()) return quoted + "a count takes no unit";
        if (number != std::floor(number) || number > 1e15) {
            return quoted + "a count must be a whole number";
        }
        t.value = static_cast<std::uint64_t>(number);
    }
    return t;
}

std::vector<threshold_result> evaluate_thresholds(const std::vector<threshold>& checks,
                                                  const report& r) {
    std::vector<threshold_result> results;
    results.reserve(checks.size());
    for (const auto& check : checks) {
        threshold_result result{check, false, ""};
        if (is_latency(check.what)) {
            const auto point = point_of(check.what);
            const histogram& h = point.connect ? r.connect_latency : r.latency;
            if (h.count() == 0) {
                result.observed = "no samples";
            } else {
                const std::uint64_t v = point.percent < 0 ? h.max() : h.percentile(point.percent);
                result.holds = compare(v, check.op, check.value);
                result.observed = format_micros(v);
            }
        } else {
            const std::uint64_t v = count_of(check.what, r);
            result.holds = compare(v, check.op, check.value);
            result.observed = std::to_string(v);
        }
        results.push_back(std::move(result));
    }
    return results;
}

std::string format_micros(std::uint64_t us) {
    char buf[32];
    if (us < 1000) {
        std::snprintf(buf, sizeof buf, "%lluus", static_cast<unsigned long long>(us));
    } else if (us < 1000000) {
        std::snprintf(buf, sizeof buf, "%.2fms", static_cast<double>(us) / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(us) / 1e6);
    }
    return buf;
}

}  // namespace kata::load
