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

// The JSON text frame of an envelope. Fields the server fills in (type list, channel grammar,
// timestamps, ids) never need escaping, so this is concatenation, not a JSON DOM; a field that
// does need it (a client re-serializing what a server sent) is escaped, never copied raw.
std::string serialize_envelope(const envelope& env);
// The same into `out` (cleared first), so a caller can reuse one buffer for every event.
void serialize_envelope_into(const envelope& env, std::string& out);

}  // namespace kata::protocol
