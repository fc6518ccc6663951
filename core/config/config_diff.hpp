#pragma once
#include <string>
#include <vector>

#include "core/config/server_config.hpp"

namespace kata::config {

// The keys outside `directory` whose value differs between the running and a reloaded config:
// SIGHUP applies only the directory, so these take effect at the next restart.
std::vector<std::string> keys_needing_restart(const server_config& running,
                                              const server_config& reloaded);

}  // namespace kata::config
