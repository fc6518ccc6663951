#pragma once
#include <memory>

#include "core/config/server_config.hpp"
#include "core/hub/broker.hpp"

namespace kata::server {

// The broker of `broker.type`: none for "memory" (the hub is its own), Redis for "redis".
std::unique_ptr<hub::broker> make_broker(const config::server_config& cfg);

}  // namespace kata::server
