#pragma once
#include <chrono>
#include <optional>
#include <string_view>

namespace kata::load {

// Parses a duration flag: `10s`, `500ms`, `1.5s`, `2m`, `250us`, or a bare number of seconds.
// nullopt for anything else, including negative values.
std::optional<std::chrono::microseconds> parse_duration_text(std::string_view text);

}  // namespace kata::load
