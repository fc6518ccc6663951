#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace kata::server {

// Lines about refused or misbehaving peers are logged at info, which a flood could turn into a
// full disk. The limiter lets through at most `per_second` lines per reason in each one-second
// window and counts the rest; the first line let through in a later window first reports how
// many were suppressed. Pure and single-threaded: the caller supplies the time and the lock.
class log_limiter {
  public:
    using clock = std::chrono::steady_clock;
    static constexpr std::size_t max_reasons = 16;

    explicit log_limiter(std::uint32_t per_second) : per_second_(per_second) {}

    struct verdict {
        bool emit = false;             // write this line
        std::uint64_t suppressed = 0;  // and, before it, "N suppressed" for this reason
    };
    // `reason` < max_reasons.
    verdict on_event(std::size_t reason, clock::time_point now);

    // Suppressed counts of windows that have ended and were not reported yet (then cleared), so a
    // flood that stops still gets its "N suppressed" line. Returns the count for `reason`.
    std::uint64_t take_suppressed(std::size_t reason, clock::time_point now);

  private:
    struct window {
        clock::time_point start{};
        std::uint32_t emitted = 0;
        std::uint64_t suppressed = 0;
    };
    const std::uint32_t per_second_;
    std::array<window, max_reasons> windows_{};
};

// Why a peer was refused or closed for misbehaving: the reasons log_refusal() rate-limits.
enum class refusal : std::uint8_t {
    origin_not_allowed,    // HTTP 403 before the upgrade
    unauthorized,          // 4401
    forbidden,             // 4403
    auth_unavailable,      // 4503
    too_many,              // 4429 (connections or commands)
    protocol_error,        // 1002
    invalid_utf8,          // 1007
    message_too_big,       // 1009
    channel_denied,        // a subscribe answered forbidden
    credential_expired,    // 4401: an open connection's credential reached its expires_at
    credential_revoked,    // 4401: a disconnect (or a reload) ended an open connection
    subscription_revoked,  // a disconnect with a channel ended that subscription
};
inline constexpr std::size_t refusal_count = 12;
std::string_view refusal_name(refusal why);
std::uint16_t refusal_code(refusal why);  // the close code (or HTTP status for the 403)

// Logs one refusal at info with its reason, code and the peer's address (plus key id or user and
// channel where known), at most 10 lines per second per reason. Thread-safe.
void log_refusal(refusal why, std::string_view remote, std::string_view who = {},
                 std::string_view channel = {}, std::uint64_t connection = 0);

// Writes the "N suppressed" line of every reason whose flood has stopped; called about once a
// second (the server's sweep) so the count is not held back until the next refusal.
void flush_refusal_log();

}  // namespace kata::server
