#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/auth/http_directory_settings.hpp"

namespace kata::auth {

struct api_key_entry {
    std::string id;      // shown in logs
    std::string sha256;  // lowercase hex digest of the key; the key itself is never stored
    std::string team;
    std::uint8_t scopes = 0;         // bits of auth::scope
    std::int64_t expires_at_ms = 0;  // `expires_at`, ms since the Unix epoch; 0: never
};

struct session_entry {
    std::string sha256;  // lowercase hex digest of the session token
    std::string user;
    std::string team;
    std::int64_t expires_at_ms = 0;  // `expires_at`, ms since the Unix epoch; 0: never
};

// The `directory` section of the config file.
struct directory_config {
    std::vector<api_key_entry> api_keys;
    std::vector<session_entry> sessions;
    std::map<std::string, std::string> specs;   // spec id -> team
    std::map<std::string, std::string> agents;  // agent id -> team
    // Dev mode only: the team of any spec/agent id not listed above. Never set from a file.
    std::optional<std::string> default_team;
    // `directory.http`: the application answers instead (then the four above stay empty).
    std::optional<http_directory_settings> http;
};

}  // namespace kata::auth
