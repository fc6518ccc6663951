#include "core/config/dev_config.hpp"

#include "core/auth/digest.hpp"
#include "core/auth/principal.hpp"
#include "core/auth/random_token.hpp"

namespace kata::config {

dev_setup make_dev_config(const std::string& api_key) {
    dev_setup dev;
    dev.api_key = api_key.empty() ? "dev_" + auth::random_token() : api_key;
    auth::api_key_entry key;
    key.id = "dev";
    key.sha256 = auth::sha256_hex(dev.api_key);
    key.team = "dev";
    key.scopes = auth::scope_subscribe | auth::scope_publish;
    dev.config.directory.api_keys.push_back(std::move(key));
    dev.config.directory.default_team = "dev";
    dev.config.allowed_origins = {"http://localhost:3000", "http://127.0.0.1:3000"};
    return dev;
}

}  // namespace kata::config
