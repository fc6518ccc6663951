#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kata::redis {

// The shard that holds `channel` among `shards` (> 0), the same on every node and every run:
//
//   key   = FNV-1a 64 of the channel name's bytes (offset basis 0xcbf29ce484222325,
//           prime 0x100000001b3)
//   shard = jump consistent hash (Lamping & Veach 2014) of key over `shards` buckets
//
// Jump hash moves only the channels that land on the new shard when one is appended to the list
// (about 1/(n+1) of them); reordering or removing a URL other than the last moves many. So
// shards are added at the end of `urls`, and every node must list the same URLs in the same order.
std::size_t shard_of(std::string_view channel, std::size_t shards);

std::uint64_t fnv1a_64(std::string_view bytes);
std::int32_t jump_consistent_hash(std::uint64_t key, std::int32_t buckets);

}  // namespace kata::redis
