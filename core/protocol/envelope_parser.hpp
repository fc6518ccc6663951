#pragma once
#include <string>
#include <string_view>
#include <variant>

#include "core/protocol/envelope.hpp"

namespace kata::protocol {

// Why a server frame was refused. The client turns it into an `error` event and keeps going.
struct envelope_error {
    std::string message;
};

// Largest frame the client parses; anything bigger is refused before JSON parsing so a hostile
// or broken server cannot make the client allocate without bound.
inline constexpr std::size_t max_envelope_bytes = 16 * 1024 * 1024;
// Deepest array/object nesting accepted (the envelope itself is level 1).
inline constexpr std::size_t max_envelope_depth = 64;

// Parses one server → client text frame (docs/protocol.md "Server → client envelope"). As strict as
// the server's command parser: `type`, `timestamp`, a non-empty `eventId`, `encoding` "json" and an
// object `payload` are required; `channel`, when present, must be in the channel grammar. Unknown
// fields are ignored and unknown types are returned as they are, so a newer server stays readable.
// Never throws; pure, no I/O, so it can be fuzzed on its own.
std::variant<envelope, envelope_error> parse_envelope(std::string_view frame);

}  // namespace kata::protocol
