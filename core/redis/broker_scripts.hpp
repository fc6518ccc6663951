#pragma once
// The Lua scripts of the Redis broker and the keys they use. Per channel C, with prefix P:
//
//   P:C:epoch   string, 16 lowercase hex: the stream's epoch; missing = the stream was lost
//   P:C:seq     integer: the last sequence given in this epoch
//   P:C:stream  stream: one entry per kept event, id "<seq>-0", fields e (envelope),
//               t (publish time, ms, Redis' clock), b (bytes of e)
//   P:C:bytes   integer: the sum of b over the stream's entries (for the byte bound)
//   pub/sub channel P:C, payload "<epoch> <seq> <envelope>" (broker_message.hpp)
//   pub/sub channel P#<16 hex> (no colon after P, so never a channel's): one per node, held by
//   its pub/sub connection, so hiredis never sees its subscription count reach 0 between an
//   UNSUBSCRIBE and a SUBSCRIBE; the node's health check publishes on it (redis_shard.hpp).
//
// With a ttl, all four keys expire ttl after the channel's last publish, so a channel leaves
// nothing behind. A channel published again after that starts a new epoch at sequence 1: its ids
// are new (the epoch is random), and a resume from the old epoch answers incomplete.
#include <string>
#include <string_view>

namespace kata::redis {

extern const std::string_view publish_script;
extern const std::string_view history_script;

struct channel_keys {
    std::string epoch, seq, stream, bytes, pubsub;
};
channel_keys keys_of(std::string_view prefix, std::string_view channel);

}  // namespace kata::redis
