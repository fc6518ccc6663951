#include "core/redis/shard.hpp"

namespace kata::redis {

std::uint64_t fnv1a_64(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}

// As published in "A Fast, Minimal Memory, Consistent Hash Algorithm": a linear congruential
// step drives the jumps, so the result depends on the key and bucket count only.
std::int32_t jump_consistent_hash(std::uint64_t key, std::int32_t buckets) {
    std::int64_t b = -1;
    std::int64_t j = 0;
    while (j < buckets) {
        b = j;
        key = key * 2862933555777941757ull + 1;
        j = static_cast<std::int64_t>(
            static_cast<double>(b + 1) *
            (static_cast<double>(1ll << 31) / static_cast<double>((key >> 33) + 1)));
    }
    return static_cast<std::int32_t>(b);
}

std::size_t shard_of(std::string_view channel, std::size_t shards) {
    if (shards <= 1) return 0;
    return static_cast<std::size_t>(
        jump_consistent_hash(fnv1a_64(channel), static_cast<std::int32_t>(shards)));
}

}  // namespace kata::redis
