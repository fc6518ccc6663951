#pragma once
#include <chrono>
#include <cstdint>

namespace kata::server {

// Per-connection command rate: a token bucket of `rate` per second with a burst of twice that.
// A command over the rate is refused (`rate_limited`); refusals drain a second bucket (capacity
// `rate`, refilled at rate/4 per second), and when that is empty the abuse is sustained: the
// connection is closed with 4429. A client slightly over the rate is slowed, never dropped.
class command_rate_limiter {
  public:
    using clock = std::chrono::steady_clock;
    enum class verdict { allow, refuse, disconnect };

    command_rate_limiter(std::uint32_t rate, clock::time_point now);
    verdict on_command(clock::time_point now);

  private:
    void refill(clock::time_point now);

    double rate_;
    double tokens_;
    double strikes_left_;
    clock::time_point last_;
};

}  // namespace kata::server
