#include "core/hub/history_ring.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kata::hub {
namespace {

using namespace std::chrono_literals;
using clock = history_ring::clock;

frame make_frame(std::size_t bytes, char c = 'x') {
    return protocol::shared_frame::copy_of(std::string(bytes, c));
}

std::vector<std::size_t> replay_sizes(const history_ring& ring, std::uint64_t since, bool& ok) {
    std::vector<std::size_t> sizes;
    ok = ring.replay_after(since, [&](const frame& f) { sizes.push_back(f.size()); });
    return sizes;
}

TEST(HistoryRing, ReplaysEverythingAfterAHeldEventInOrder) {
    history_ring ring({10, 1 << 20, 60s});
    const auto t0 = clock::now();
    for (std::uint64_t s = 1; s <= 5; ++s)
        ring.push(s * 10, make_frame(s), t0);
    bool ok = false;
    EXPECT_EQ(replay_sizes(ring, 20, ok), (std::vector<std::size_t>{3, 4, 5}));
    EXPECT_TRUE(ok);
    EXPECT_TRUE(replay_sizes(ring, 50, ok).empty());
    EXPECT_TRUE(ok) << "the newest event: nothing missing, nothing to replay";
}

TEST(HistoryRing, UnknownSequenceIsNotRecovered) {
    history_ring ring({10, 1 << 20, 60s});
    ring.push(10, make_frame(1), clock::now());
    ring.push(30, make_frame(2), clock::now());
    bool ok = true;
    EXPECT_TRUE(replay_sizes(ring, 20, ok).empty()) << "another channel's id";
    EXPECT_FALSE(ok);
    replay_sizes(ring, 0, ok);
    EXPECT_FALSE(ok);
}

TEST(HistoryRing, CountBoundEvictsOldestAndTheLastEvictedStillResumes) {
    history_ring ring({3, 1 << 20, 60s});
    for (std::uint64_t s = 1; s <= 5; ++s)
        ring.push(s, make_frame(s), clock::now());
    EXPECT_EQ(ring.size(), 3u);
    bool ok = false;
    EXPECT_EQ(replay_sizes(ring, 2, ok), (std::vector<std::size_t>{3, 4, 5}));
    EXPECT_TRUE(ok) << "event 2 was the last evicted: everything after it is held";
    replay_sizes(ring, 1, ok);
    EXPECT_FALSE(ok) << "event 2 is gone: the gap after 1 cannot be filled";
}

TEST(HistoryRing, ByteBoundEvicts) {
    history_ring ring({100, 250, 60s});
    for (std::uint64_t s = 1; s <= 5; ++s)
        ring.push(s, make_frame(100), clock::now());
    EXPECT_EQ(ring.size(), 2u);
    EXPECT_EQ(ring.bytes(), 200u);
}

TEST(HistoryRing, AFrameLargerThanTheByteBoundIsNotKept) {
    history_ring ring({100, 50, 60s});
    ring.push(1, make_frame(10), clock::now());
    ring.push(2, make_frame(100), clock::now());
    EXPECT_EQ(ring.size(), 0u);
    EXPECT_EQ(ring.bytes(), 0u);
}

TEST(HistoryRing, AgeBoundExpires) {
    history_ring ring({100, 1 << 20, 1000ms});
    const auto t0 = clock::now();
    ring.push(1, make_frame(1), t0);
    ring.push(2, make_frame(2), t0 + 600ms);
    ring.expire(t0 + 1200ms);
    EXPECT_EQ(ring.size(), 1u);
    ring.expire(t0 + 1700ms);
    EXPECT_TRUE(ring.empty());
    bool ok = false;
    replay_sizes(ring, 1, ok);
    EXPECT_FALSE(ok);
    replay_sizes(ring, 2, ok);
    EXPECT_TRUE(ok) << "2 was the last expired; nothing after it was lost";
}

TEST(HistoryRing, ZeroSizeKeepsNothing) {
    history_ring ring({0, 1 << 20, 60s});
    ring.push(1, make_frame(1), clock::now());
    EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace kata::hub
