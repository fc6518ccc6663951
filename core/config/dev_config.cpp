#include "core/config/dev_config.hpp"

#include <algorithm>

#include "core/auth/digest.hpp"
#include "core/auth/principal.hpp"
#include "core/auth/random_token.hpp"

namespace kata::config {

std::string dev_session_token(const std::string& api_key) {
    return auth::sha256_hex("kata-rt dev session v1\n" + api_key);
}

dev_setup make_dev_config(const std::string& api_key) {
    dev_setup dev;
    dev.api_key = api_key.empty() ? "dev_" + auth::random_token() : api_key;
    auth::api_key_entry key;
    key.id = "dev";
    key.sha256 = auth::sha256_hex(dev.api_key);
    key.team = "dev";
    key.scopes = auth::scope_subscribe | auth::scope_publish | auth::scope_admin;
    dev.config.directory.api_keys.push_back(std::move(key));
    dev.config.directory.default_team = "dev";
    dev.config.allowed_origins = {"http://localhost:3000", "http://127.0.0.1:3000"};

    dev.config.dev.enabled = true;
    dev.config.dev.session_token = dev_session_token(dev.api_key);
    dev.config.directory.sessions.push_back(
        auth::session_entry{auth::sha256_hex(dev.config.dev.session_token), "dev", "dev"});
    return dev;
}

void allow_dev_origins(server_config& config, std::uint16_t port) {
    for (const char* host : {"http://127.0.0.1:", "http://localhost:"}) {
        auto origin = host + std::to_string(port);
        auto& list = config.allowed_origins;
        if (std::find(list.begin(), list.end(), origin) == list.end()) list.push_back(origin);
    }
}

}  // namespace kata::config
