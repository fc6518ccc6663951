#pragma once
#include <cstdint>

namespace kata::protocol {

// WebSocket close codes of docs/protocol.md. The 4xxx range mirrors HTTP statuses so an operator
// can read them without the table.
enum class close_code : std::uint16_t {
    normal = 1000,
    going_away = 1001,
    too_big = 1009,
    internal_error = 1011,
    slow_consumer = 4008,
    unauthorized = 4401,
    forbidden = 4403,
    heartbeat_timeout = 4408,
    too_many = 4429,
    auth_unavailable = 4503,
};

// Whether a reconnecting client should try again after the server closed with `code`.
// Unknown codes are retried: a newer server may add transient ones.
constexpr bool should_reconnect(std::uint16_t code) {
    switch (code) {
        case 1000:
        case 1009:
        case 4401:
        case 4403:
            return false;
        default:
            return true;
    }
}

}  // namespace kata::protocol
