#pragma once
#include <string>
#include <vector>

#include "core/config/server_config.hpp"

namespace kata::cli {

// The origins given with --allow-origin (`flag`), else those of KATA_RT_ALLOWED_ORIGINS
// (comma-separated). An entry that is not an origin as a browser sends it exits 2 naming it.
std::vector<std::string> extra_origins(const std::vector<std::string>& flag);

// Adds `origins` to cfg.allowed_origins, each once.
void apply_origins(config::server_config& cfg, const std::vector<std::string>& origins);

}  // namespace kata::cli
