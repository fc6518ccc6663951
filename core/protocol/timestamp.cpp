#include "core/protocol/timestamp.hpp"

#include <cstdio>
#include <ctime>

namespace kata::protocol {

std::string format_timestamp(std::chrono::system_clock::time_point when) {
    using namespace std::chrono;
    // floor, not duration_cast: truncation toward zero would give a negative millisecond field
    // for instants before 1970.
    const auto secs_point = floor<seconds>(when);
    const auto millis = duration_cast<milliseconds>(when - secs_point).count();
    const std::time_t secs =
        system_clock::to_time_t(time_point_cast<system_clock::duration>(secs_point));
    std::tm tm{};
    gmtime_r(&secs, &tm);
    // Sized for any int year so the compiler can prove no truncation (-Wformat-truncation).
    char buf[96];
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, static_cast<int>(millis));
    return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace kata::protocol
