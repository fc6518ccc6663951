#include "core/server/ops/log_limiter.hpp"

#include <mutex>
#include <string>
#include <utility>

#include "core/server/ops/log.hpp"

namespace kata::server {

log_limiter::verdict log_limiter::on_event(std::size_t reason, clock::time_point now) {
    auto& w = windows_[reason % max_reasons];
    verdict v;
    if (now - w.start >= std::chrono::seconds(1)) {
        v.suppressed = w.suppressed;
        w = window{now, 0, 0};
    }
    if (w.emitted < per_second_) {
        ++w.emitted;
        v.emit = true;
    } else {
        ++w.suppressed;
    }
    return v;
}

std::uint64_t log_limiter::take_suppressed(std::size_t reason, clock::time_point now) {
    auto& w = windows_[reason % max_reasons];
    if (now - w.start < std::chrono::seconds(1)) return 0;
    return std::exchange(w.suppressed, 0);
}

std::string_view refusal_name(refusal why) {
    static constexpr std::string_view names[refusal_count] = {
        "origin_not_allowed", "unauthorized",       "forbidden",          "auth_unavailable",
        "too_many",           "protocol_error",     "invalid_utf8",       "message_too_big",
        "channel_denied",     "credential_expired", "credential_revoked", "subscription_revoked"};
    return names[static_cast<std::size_t>(why)];
}

std::uint16_t refusal_code(refusal why) {
    static constexpr std::uint16_t codes[refusal_count] = {403,  4401, 4403, 4503, 4429, 1002,
                                                           1007, 1009, 4403, 4401, 4401, 0};
    return codes[static_cast<std::size_t>(why)];
}

namespace {
std::mutex limiter_mutex;
log_limiter limiter(10);

void log_suppressed(std::string_view reason, std::uint64_t n) {
    log(log_level::info, "refusal lines suppressed", {{"reason", reason}, {"suppressed", n}});
}
}  // namespace

void flush_refusal_log() {
    if (!log_enabled(log_level::info)) return;
    const auto now = log_limiter::clock::now();
    for (std::size_t i = 0; i < refusal_count; ++i) {
        std::uint64_t n = 0;
        {
            std::lock_guard lock(limiter_mutex);
            n = limiter.take_suppressed(i, now);
        }
        if (n > 0) log_suppressed(refusal_name(static_cast<refusal>(i)), n);
    }
}

void log_refusal(refusal why, std::string_view remote, std::string_view who,
                 std::string_view channel, std::uint64_t connection) {
    if (!log_enabled(log_level::info)) return;
    log_limiter::verdict v;
    {
        std::lock_guard lock(limiter_mutex);
        v = limiter.on_event(static_cast<std::size_t>(why), log_limiter::clock::now());
    }
    const auto reason = refusal_name(why);
    if (v.suppressed > 0) log_suppressed(reason, v.suppressed);
    if (!v.emit) return;
    const std::uint64_t code = refusal_code(why);
    // An open connection (it has an id) was closed; one without was refused at the upgrade.
    const char* msg = why == refusal::channel_denied         ? "subscribe denied"
                      : why == refusal::subscription_revoked ? "subscription ended"
                      : connection != 0                      ? "connection closed"
                                                             : "connection refused";
    if (why == refusal::subscription_revoked) {
        // No close code: the connection stays open, told `unsubscribed` {"reason":"revoked"}.
        log(log_level::info, msg,
            {{"reason", reason},
             {"remote", remote},
             {"who", who},
             {"channel", channel},
             {"conn", connection}});
    } else if (!channel.empty()) {
        log(log_level::info, msg,
            {{"reason", reason},
             {"code", code},
             {"remote", remote},
             {"who", who},
             {"channel", channel},
             {"conn", connection}});
    } else if (!who.empty()) {
        log(log_level::info, msg,
            {{"reason", reason},
             {"code", code},
             {"remote", remote},
             {"who", who},
             {"conn", connection}});
    } else {
        log(log_level::info, msg, {{"reason", reason}, {"code", code}, {"remote", remote}});
    }
}

}  // namespace kata::server
