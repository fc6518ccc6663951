#pragma once
#include "core/config/config_checker.hpp"
#include "core/config/server_config.hpp"

namespace kata::config::detail {

// The `broker` section: {"type": "memory"} (the default) or {"type": "redis", "urls": [...],
// "prefix", "connect_timeout_ms", "health_check_ms", "password_env"}. The password is read from the
// environment variable named by password_env, never from the file.
bool read_broker(checker& check, const json& v, broker_settings& out);

// `kata-rt serve --redis URL` (repeatable): the same checks, for URLs given on the command line.
std::optional<config_error> use_redis_urls(const std::vector<std::string>& urls,
                                           broker_settings& out);

}  // namespace kata::config::detail
