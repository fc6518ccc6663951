#include "core/server/broker_factory.hpp"

#include <stdexcept>

namespace kata::server {

std::unique_ptr<hub::broker> make_broker(const config::server_config& cfg) {
    if (!cfg.broker.remote()) return nullptr;
    throw std::runtime_error("the redis broker is not built in");
}

}  // namespace kata::server
