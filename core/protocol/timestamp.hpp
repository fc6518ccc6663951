#pragma once
#include <chrono>
#include <string>

namespace kata::protocol {

// UTC, ISO-8601 with milliseconds and `Z`: 2026-02-26T22:00:00.000Z.
std::string format_timestamp(std::chrono::system_clock::time_point when);

}  // namespace kata::protocol
