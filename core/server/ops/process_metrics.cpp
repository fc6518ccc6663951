#include "core/server/ops/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace kata::server {
namespace {

std::optional<double> boot_time_seconds() {
    std::ifstream in("/proc/stat");
    std::string key;
    while (in >> key) {
        if (key == "btime") {
            double value = 0;
            if (in >> value) return value;
            return std::nullopt;
        }
        in.ignore(1 << 20, '\n');
    }
    return std::nullopt;
}

std::uint64_t count_open_fds() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return 0;
    std::uint64_t n = 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ++n;
    }
    closedir(dir);
    return n > 0 ? n - 1 : 0;  // not the descriptor opendir itself holds
}

}  // namespace

std::optional<process_stats> read_process_stats() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    // Fields 3..; utime is 14, stime 15, starttime 22, rss 24 (proc(5)).
    double utime = 0, stime = 0, starttime = 0, rss_pages = 0;
    for (int index = 3; index <= 24 && fields >> field; ++index) {
        if (index == 14) utime = std::stod(field);
        if (index == 15) stime = std::stod(field);
        if (index == 22) starttime = std::stod(field);
        if (index == 24) rss_pages = std::stod(field);
    }
    const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
    const auto boot = boot_time_seconds();
    if (ticks <= 0 || page <= 0 || !boot) return std::nullopt;

    process_stats out;
    out.cpu_seconds = (utime + stime) / ticks;
    out.resident_bytes = rss_pages * page;
    out.start_time_seconds = *boot + starttime / ticks;
    out.open_fds = count_open_fds();
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) out.max_fds = limit.rlim_cur;
    return out;
}

}  // namespace kata::server
