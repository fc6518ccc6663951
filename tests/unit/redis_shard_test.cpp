#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/redis/shard.hpp"

namespace kata::redis {
namespace {

TEST(RedisShard, Fnv1aMatchesTheReferenceVectors) {
    EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ull);
    EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ull);
}

TEST(RedisShard, JumpHashMatchesThePaper) {
    // Values of the reference implementation (Lamping & Veach).
    EXPECT_EQ(jump_consistent_hash(0, 1), 0);
    EXPECT_EQ(jump_consistent_hash(0, 100), 0);
    EXPECT_EQ(jump_consistent_hash(1, 2), 0);
    EXPECT_EQ(jump_consistent_hash(256, 1024), 520);
    EXPECT_EQ(jump_consistent_hash(0xdeadbeef, 10), 5);
}

TEST(RedisShard, IsStableAcrossRunsAndNodes) {
    // Fixed expected values: a change here moves channels between shards in every deployment.
    EXPECT_EQ(shard_of("spec:42", 1), 0u);
    EXPECT_EQ(shard_of("spec:42", 2), 0u);
    EXPECT_EQ(shard_of("spec:42", 5), 4u);
    EXPECT_EQ(shard_of("team:dev", 3), 2u);
    EXPECT_EQ(shard_of("agent:7", 8), 0u);
}

TEST(RedisShard, SpreadsChannelsEvenly) {
    constexpr std::size_t shards = 4, channels = 40000;
    std::vector<std::size_t> count(shards);
    for (std::size_t i = 0; i < channels; ++i)
        ++count[shard_of("spec:" + std::to_string(i), shards)];
    for (const auto c : count) {
        EXPECT_GT(c, channels / shards * 9 / 10);
        EXPECT_LT(c, channels / shards * 11 / 10);
    }
}

TEST(RedisShard, AddingAShardMovesAboutOneInNPlusOne) {
    for (std::size_t n = 1; n <= 8; ++n) {
        std::size_t moved = 0;
        constexpr std::size_t channels = 20000;
        for (std::size_t i = 0; i < channels; ++i) {
            const auto name = "team:" + std::to_string(i);
            const auto before = shard_of(name, n);
            const auto after = shard_of(name, n + 1);
            if (before != after) {
                ++moved;
                EXPECT_EQ(after, n) << "a moved channel goes to the new shard only";
            }
        }
        const double expected = static_cast<double>(channels) / static_cast<double>(n + 1);
        EXPECT_NEAR(static_cast<double>(moved), expected, expected * 0.1) << n;
    }
}

}  // namespace
}  // namespace kata::redis
