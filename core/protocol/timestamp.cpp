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
    const int year = tm.tm_year + 1900;
    if (year >= 0 && year <= 9999) {
        // The usual case, written by hand: every publish stamps one, and printf's format parsing
        // was a visible share of the publish path.
        char out[24];  // 2026-11-26T16:17:00.123Z
        const auto put = [&out](std::size_t at, int value, int width) {
            for (int i = width - 1; i >= 0; --i, value /= 10)
                out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
        };
        put(0, year, 4);
        out[4] = '-';
        put(5, tm.tm_mon + 1, 2);
        out[7] = '-';
        put(8, tm.tm_mday, 2);
        out[10] = 'T';
        put(11, tm.tm_hour, 2);
        out[13] = ':';
        put(14, tm.tm_min, 2);
        out[16] = ':';
        put(17, tm.tm_sec, 2);
        out[19] = '.';
        put(20, static_cast<int>(millis), 3);
        out[23] = 'Z';
        return std::string(out, sizeof out);
    }
    // Sized for any int year so the compiler can prove no truncation (-Wformat-truncation).
    char buf[96];
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, static_cast<int>(millis));
    return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace kata::protocol
