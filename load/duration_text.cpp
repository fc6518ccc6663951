#include "load/duration_text.hpp"

#include <charconv>
#include <cmath>

namespace kata::load {

std::optional<std::chrono::microseconds> parse_duration_text(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() &&
           ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
        ++digits;
    }
    double number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
    if (digits == 0 || ec != std::errc{} || end != text.data() + digits) return std::nullopt;
    const std::string_view unit = text.substr(digits);
    double scale = 0;
    if (unit.empty() || unit == "s") scale = 1e6;
    if (unit == "ms") scale = 1e3;
    if (unit == "us") scale = 1;
    if (unit == "m") scale = 60e6;
    if (unit == "h") scale = 3600e6;
    const double micros = number * scale;
    if (scale == 0 || micros > 1e13) return std::nullopt;  // 1e13 us: about 4 months
    return std::chrono::microseconds(std::llround(micros));
}

}  // namespace kata::load
