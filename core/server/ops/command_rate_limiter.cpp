#include "core/server/ops/command_rate_limiter.hpp"

#include <algorithm>

namespace kata::server {

command_rate_limiter::command_rate_limiter(std::uint32_t rate, clock::time_point now)
    : rate_(rate), tokens_(2.0 * rate), strikes_left_(rate), last_(now) {}

void command_rate_limiter::refill(clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - last_).count();
    if (seconds <= 0) return;
    last_ = now;
    tokens_ = std::min(2.0 * rate_, tokens_ + seconds * rate_);
    strikes_left_ = std::min(rate_, strikes_left_ + seconds * rate_ / 4);
}

command_rate_limiter::verdict command_rate_limiter::on_command(clock::time_point now) {
    refill(now);
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return verdict::allow;
    }
    strikes_left_ -= 1.0;
    return strikes_left_ < 0 ? verdict::disconnect : verdict::refuse;
}

}  // namespace kata::server
