#pragma once
#include <cstdint>
#include <string>

namespace kata::auth {

// Scopes an API key can hold; sessions hold `subscribe` only.
enum scope : std::uint8_t {
    scope_subscribe = 1,
    scope_publish = 2,      // publish to the principal's own team's channels
    scope_publish_any = 4,  // publish to any channel
    scope_admin = 8,        // the server API (POST /v1/disconnect)
};

// Who is on the other end of a connection or a publish request.
struct principal {
    std::string id;  // API key id or session user; safe to log, never a secret
    std::string team;
    std::uint8_t scopes = 0;
    // When the credential stops being valid, in ms since the Unix epoch; 0: never.
    std::int64_t expires_at_ms = 0;

    bool has(scope s) const { return (scopes & s) != 0; }
};

}  // namespace kata::auth
