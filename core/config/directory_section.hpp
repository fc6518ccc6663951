#pragma once
#include "core/auth/directory_config.hpp"
#include "core/config/config_checker.hpp"

namespace kata::config::detail {

// The `directory` section: api_keys, sessions, specs, agents, or http (alone). Digests come out
// lowercase.
bool read_directory(checker& check, const json& v, auth::directory_config& out);

}  // namespace kata::config::detail
