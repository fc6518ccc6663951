#pragma once
#include <string>

#include "core/config/server_config.hpp"

namespace kata::config {

// The embedded default of `kata-rt serve` with no --config: 127.0.0.1:8080, one generated API key
// of team `dev` with scopes subscribe and publish, and every spec/agent id owned by `dev`.
struct dev_setup {
    server_config config;
    std::string api_key;  // the generated key, to show once to the person who started the server
};

// `api_key` empty: a fresh random key.
dev_setup make_dev_config(const std::string& api_key = "");

}  // namespace kata::config
