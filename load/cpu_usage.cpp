#include "load/cpu_usage.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <string>

namespace kata::load {
namespace {

double seconds(const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

cpu_time usage(int who) {
    rusage ru{};
    if (getrusage(who, &ru) != 0) return {};
    return {seconds(ru.ru_utime), seconds(ru.ru_stime)};
}

}  // namespace

cpu_time process_cpu() {
    return usage(RUSAGE_SELF);
}

cpu_time thread_cpu() {
    return usage(RUSAGE_THREAD);
}

std::optional<cpu_time> process_cpu_of(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    return parse_proc_stat(line, sysconf(_SC_CLK_TCK));
}

std::optional<cpu_time> parse_proc_stat(std::string_view line, long ticks_per_second) {
    if (ticks_per_second <= 0) return std::nullopt;
    const auto paren = line.rfind(')');
    if (paren == std::string_view::npos) return std::nullopt;
    // After ')' come field 3 (state), 4, ... ; utime is field 14, stime field 15.
    std::string_view rest = line.substr(paren + 1);
    unsigned long long ticks[2] = {};
    for (int field = 3; field <= 15; ++field) {
        while (!rest.empty() && rest.front() == ' ')
            rest.remove_prefix(1);
        const auto end = rest.find(' ');
        const std::string_view value = rest.substr(0, end);
        if (value.empty()) return std::nullopt;
        if (field >= 14) {
            auto [ptr, ec] =
                std::from_chars(value.data(), value.data() + value.size(), ticks[field - 14]);
            if (ec != std::errc{} || ptr != value.data() + value.size()) return std::nullopt;
        }
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    const auto tps = static_cast<double>(ticks_per_second);
    return cpu_time{static_cast<double>(ticks[0]) / tps, static_cast<double>(ticks[1]) / tps};
}

}  // namespace kata::load
