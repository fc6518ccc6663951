#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/protocol/envelope.hpp"

namespace kata::client {

// Code of the client_error a revocation is reported with.
inline constexpr std::string_view revoked_code = "revoked";

// The channel a server-sent revocation ends, or nullopt for any other envelope. The server sends
// `unsubscribed` with payload {"reason":"revoked"} unprompted when a reloaded directory no longer
// allows a subscription (docs/protocol.md "Errors that keep the connection open"); the answer to
// the client's own unsubscribe carries no such reason. A revoked channel must not be resubscribed:
// the server would refuse it again after every reconnect.
std::optional<std::string> revoked_channel(const protocol::envelope& env);

}  // namespace kata::client
