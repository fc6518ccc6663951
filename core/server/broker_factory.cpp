#include "core/server/broker_factory.hpp"

#include "core/redis/redis_broker.hpp"
#include "core/server/ops/log.hpp"

namespace kata::server {

std::unique_ptr<hub::broker> make_broker(const config::server_config& cfg) {
    if (!cfg.broker.remote()) return nullptr;
    redis::redis_broker_settings s;
    s.urls = cfg.broker.urls;
    s.prefix = cfg.broker.prefix;
    s.connect_timeout = cfg.broker.connect_timeout;
    s.health_check = cfg.broker.health_check;
    s.password = cfg.broker.password;
    // History lives in the streams, within the same bounds a single node keeps.
    s.history_max_events = cfg.history.size;
    s.history_max_bytes = cfg.history.max_bytes;
    s.history_ttl = cfg.history.ttl;
    auto b = std::make_unique<redis::redis_broker>(std::move(s));
    b->set_logger([](const std::string& line) { log(log_level::info, "broker: " + line); });
    return b;
}

}  // namespace kata::server
