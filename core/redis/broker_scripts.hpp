#pragma once
// The Lua scripts of the Redis broker and the keys they use. Per channel C, with prefix P:
//
//   P:C:epoch   string, 16 lowercase hex: the stream's epoch; missing = the stream was lost
//   P:C:seq     integer: the last sequence given in this epoch
//   P:C:stream  stream: one entry per kept event, id "<seq>-0", fields e (envelope),
//               t (publish time, ms, Redis' clock), b (bytes of e)
//   P:C:bytes   integer: the sum of b over the stream's entries (for the byte bound)
//   pub/sub channel P:C, payload "<epoch> <seq> <envelope>" (broker_message.hpp)
//   pub/sub channel P (no colon, so never a channel's): every node's pub/sub connection holds it,
//   so hiredis never sees its subscription count reach 0 between an UNSUBSCRIBE and a SUBSCRIBE.
//
// With a ttl, P:C:stream and P:C:bytes expire ttl after the last publish; epoch and seq stay, so
// sequences keep growing and a resume over an expired gap answers incomplete.
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
