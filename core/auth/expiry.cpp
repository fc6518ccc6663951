#include "core/auth/expiry.hpp"

#include <chrono>

namespace kata::auth {
namespace {

// Reads exactly `n` ASCII digits at `pos`.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<std::int64_t> parse_expires_at(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (s.size() < 20 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) ||
        s[7] != '-' || !digits(s, 8, 2, day) || s[10] != 'T' || !digits(s, 11, 2, hour) ||
        s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    int millis = 0;
    if (s[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
            ++pos;
        }
        const std::size_t n = pos - start;
        if (n == 0 || n > 9) return std::nullopt;
        for (std::size_t i = n; i < 3; ++i)
            millis *= 10;
    }
    if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
    // No leap seconds: the gateway's clock never shows :60 either.
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{year},
                                           std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;
    const auto at = std::chrono::sys_days{date} + std::chrono::hours{hour} +
                    std::chrono::minutes{minute} + std::chrono::seconds{second} +
                    std::chrono::milliseconds{millis};
    const std::int64_t ms = at.time_since_epoch() / std::chrono::milliseconds{1};
    if (ms <= 0) return std::nullopt;  // 0 means "never expires"
    return ms;
}

std::int64_t unix_now_ms() {
    return std::chrono::system_clock::now().time_since_epoch() / std::chrono::milliseconds{1};
}

lookup_result<principal> drop_expired(lookup_result<principal> found, std::int64_t now_ms) {
    if (found.status == lookup_status::found && is_expired(found.value, now_ms)) {
        return {lookup_status::not_found, {}};
    }
    return found;
}

}  // namespace kata::auth
