#pragma once
// What the Redis broker reads back from Redis, parsed without I/O (fuzzed by
// fuzz/fuzz_broker_message.cpp):
//
//   pub/sub payload on `{prefix}:{channel}`:  "<epoch: 16 lowercase hex> <sequence: decimal>
//   <envelope>" stream entry of `{prefix}:{channel}:stream`: id "<sequence>-0",
//       fields  e = envelope, t = publish time (ms since the Unix epoch, Redis' clock), b = bytes
//       of e
//
// Both are written by the publish script (broker_scripts.cpp) only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/hub/broker.hpp"
#include "core/redis/redis_reply.hpp"

namespace kata::redis {

// 16 lowercase hex digits, as in the event id.
std::string format_epoch(std::uint64_t epoch);
// Exactly 16 lowercase hex digits, not all zero.
std::optional<std::uint64_t> parse_epoch(std::string_view text);
// A decimal sequence > 0 without leading zeros.
std::optional<std::uint64_t> parse_sequence(std::string_view text);

std::string format_broker_message(const hub::remote_event& e);
// nullopt unless the payload has exactly the shape above and a non-empty envelope.
std::optional<hub::remote_event> parse_broker_message(std::string_view payload);

struct stream_entry {
    std::uint64_t sequence = 0;
    std::int64_t time_ms = 0;
    std::string envelope;
};

// One element of an XRANGE reply: [id, [field, value, ...]].
std::optional<stream_entry> parse_stream_entry(const redis_reply& entry);

}  // namespace kata::redis
