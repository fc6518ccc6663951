#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kata::protocol {

// Payloads of the control envelopes (docs/protocol.md), as serialized JSON objects. The request id
// is client text, so these go through a JSON serializer for escaping.
std::string pong_payload(std::string_view request_id);
std::string subscription_payload(std::string_view request_id, std::optional<bool> recovered);
std::string error_payload(std::string_view code, std::string_view message,
                          std::string_view request_id);

}  // namespace kata::protocol
