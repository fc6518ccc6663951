#include "core/client/revocation.hpp"

#include <nlohmann/json.hpp>

namespace kata::client {

std::optional<std::string> revoked_channel(const protocol::envelope& env) {
    if (env.type != "unsubscribed" || !env.channel) return std::nullopt;
    const auto payload = nlohmann::json::parse(env.payload_json, nullptr, false);
    if (!payload.is_object()) return std::nullopt;
    const auto reason = payload.find("reason");
    if (reason == payload.end() || !reason->is_string() || *reason != "revoked") {
        return std::nullopt;
    }
    return env.channel;
}

}  // namespace kata::client
