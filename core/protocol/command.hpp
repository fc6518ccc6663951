#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/protocol/channel.hpp"

namespace kata::protocol {

enum class command_type { subscribe, unsubscribe, ping };

// A client → server command that passed validation.
struct command {
    command_type type = command_type::ping;
    std::optional<channel_name> channel;  // set for subscribe and unsubscribe
    std::string request_id;               // empty when the client sent none
    std::optional<std::string> since;     // subscribe only: last eventId seen on the channel
    bool operator==(const command&) const = default;
};

// Why a frame was refused; `code` is one of error_code, `request_id` echoes the client's when it
// could be read.
struct command_error {
    std::string_view code;
    std::string message;
    std::string request_id;
};

inline constexpr std::size_t max_request_id_length = 128;
inline constexpr std::size_t max_since_length = 128;

std::variant<command, command_error> parse_command(std::string_view frame);

// The JSON text of a command, as a client sends it.
std::string serialize_command(const command& cmd);

}  // namespace kata::protocol
