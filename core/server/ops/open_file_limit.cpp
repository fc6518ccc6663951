#include "core/server/ops/open_file_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace kata::server {

open_file_limit raise_open_file_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return {};
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        // An unlimited hard limit can still be refused (the kernel caps at fs.nr_open): then the
        // soft limit stays as it was.
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    return {static_cast<std::uint64_t>(lim.rlim_cur), static_cast<std::uint64_t>(lim.rlim_max)};
}

std::size_t open_file_headroom(std::uint64_t limit) {
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(limit / 4, 16, 64));
}

std::size_t connections_that_fit(std::uint64_t limit, std::size_t max_connections) {
    const std::uint64_t headroom = open_file_headroom(limit);
    const std::uint64_t room = limit > headroom ? limit - headroom : 1;
    return static_cast<std::size_t>(
        std::max<std::uint64_t>(1, std::min<std::uint64_t>(room, max_connections)));
}

}  // namespace kata::server
