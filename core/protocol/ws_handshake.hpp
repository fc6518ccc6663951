#pragma once
#include <string>
#include <string_view>

namespace kata::protocol::ws {

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455 GUID)).
std::string accept_key(std::string_view client_key);

// Whether a Sec-WebSocket-Key is acceptable: base64 of exactly 16 bytes (RFC 6455 4.2.1).
bool valid_client_key(std::string_view client_key);

}  // namespace kata::protocol::ws
