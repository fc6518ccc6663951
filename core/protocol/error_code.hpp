#pragma once
#include <string_view>

namespace kata::protocol {

// Codes of `error` envelopes that keep the connection open (docs/protocol.md).
namespace error_code {
inline constexpr std::string_view invalid_json = "invalid_json";
inline constexpr std::string_view invalid_command = "invalid_command";
inline constexpr std::string_view unsupported_frame = "unsupported_frame";
inline constexpr std::string_view invalid_channel = "invalid_channel";
inline constexpr std::string_view forbidden = "forbidden";
inline constexpr std::string_view authorization_unavailable = "authorization_unavailable";
inline constexpr std::string_view subscription_limit = "subscription_limit";
inline constexpr std::string_view rate_limited = "rate_limited";
inline constexpr std::string_view broker_unavailable = "broker_unavailable";
}  // namespace error_code

}  // namespace kata::protocol
