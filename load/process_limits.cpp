#include "load/process_limits.hpp"

#include <sys/resource.h>

#include <fstream>
#include <sstream>

namespace kata::load {

// Descriptors the process needs besides the WebSocket connections: stdio, the publisher's
// connection, the resolver, the epoll/eventfd pair, and an embedded server's listener.
constexpr std::uint64_t reserved_descriptors = 64;

std::uint64_t raise_open_file_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    return lim.rlim_cur == RLIM_INFINITY ? UINT64_MAX : lim.rlim_cur;
}

std::string open_file_limit_problem(std::size_t connections, std::uint64_t limit) {
    if (connections + reserved_descriptors <= limit) return "";
    std::ostringstream out;
    out << connections << " connections need about " << connections + reserved_descriptors
        << " open files, but the limit is " << limit
        << " (the hard limit: raise it with `ulimit -Hn` as root, or LimitNOFILE= in systemd, "
           "or run fewer --connections)";
    return out.str();
}

std::optional<std::uint64_t> peak_rss_kb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            std::istringstream fields(line.substr(6));
            std::uint64_t kb = 0;
            if (fields >> kb) return kb;
        }
    }
    return std::nullopt;
}

}  // namespace kata::load
