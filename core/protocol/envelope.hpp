#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kata::protocol {

// Server → client envelope fields, already validated. `payload_json` is the serialized JSON
// object; keeping it as text lets fanout serialize an event exactly once.
struct envelope {
    std::string type;
    std::optional<std::string> channel;
    std::string timestamp;
    std::string event_id;
    std::string payload_json = "{}";
    bool operator==(const envelope&) const = default;
};

// The JSON text frame of an envelope. Channel names and types never need escaping (the channel
// grammar and the type list are ASCII identifiers), so this is concatenation, not a JSON DOM.
std::string serialize_envelope(const envelope& env);

}  // namespace kata::protocol
