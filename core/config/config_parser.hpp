#pragma once
#include <string>
#include <string_view>
#include <variant>

#include "core/config/server_config.hpp"

namespace kata::config {

// Why a config was refused. `key` is the JSON path of the offending key
// (e.g. "limits.max_queued_bytes", "directory.api_keys[0].scopes"); `message` names it too.
struct config_error {
    std::string key;
    std::string message;
};

// Parses and validates a config document. Unknown keys, wrong types and bad values are errors.
std::variant<server_config, config_error> parse_server_config(std::string_view json_text);

// Reads FILE and parses it; an unreadable file is an error with key "".
std::variant<server_config, config_error> load_server_config(const std::string& path);

// Parses "HOST:PORT" or "[v6]:PORT" (port 0 allowed: ephemeral) into host and port.
std::variant<std::pair<std::string, std::uint16_t>, std::string> parse_listen(
    std::string_view text);

// True for an origin as browsers send it: http(s)://host[:port], lowercase, no path.
bool is_origin(std::string_view s);

}  // namespace kata::config
