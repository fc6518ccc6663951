#pragma once
#include <cstdint>
#include <string>

#include "core/config/server_config.hpp"

namespace kata::config {

// The embedded default of `kata-rt serve` with no --config: 127.0.0.1:8080, one generated API key
// of team `dev` with scopes subscribe, publish and admin, every spec/agent id owned by `dev`, and
// the dev page (GET /, GET /dev/login) with a session of user `dev`, team `dev`.
struct dev_setup {
    server_config config;
    std::string api_key;  // the generated key, to show once to the person who started the server
};

// `api_key` empty: a fresh random key.
dev_setup make_dev_config(const std::string& api_key = "");

// The dev page's session token: hex SHA-256 of a fixed label and the dev key, so a dev server
// restarted with the same KATA_RT_API_KEY still accepts the cookie a browser already holds.
std::string dev_session_token(const std::string& api_key);

// Allows the dev server's own origins for cookie auth (`http://127.0.0.1:PORT` and
// `http://localhost:PORT`), so the page it serves can connect. Call once the port is known.
void allow_dev_origins(server_config& config, std::uint16_t port);

}  // namespace kata::config
