// Calls racing the Redis broker's stop(): each is answered (stored, refused or failed), none is
// left in a context that never runs again, where its caller would wait forever.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "redis_broker_support.hpp"

namespace kata::e2e {
namespace {

TEST(RedisBrokerStop, EveryCallRacingStopIsAnswered) {
    if (access(redis_server_binary, X_OK) != 0) GTEST_SKIP() << "no redis-server";
    redis_process redis;
    // More callers than cores, so that one is often preempted between its check and its post.
    constexpr int callers = 8;
    constexpr int rounds = 40;
    for (int round = 0; round < rounds; ++round) {
        auto b = std::make_unique<redis::redis_broker>(settings_for({redis.url()}));
        b->start();
        std::atomic<std::uint64_t> issued{0}, answered{0};
        std::atomic<bool> done_calling{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < callers; ++t) {
            threads.emplace_back([&, t] {
                const std::string channel = "spec:race" + std::to_string(t);
                while (!done_calling.load()) {
                    issued += 3;
                    b->publish({make_event(channel, "1")},
                               [&](hub::publish_result) { ++answered; });
                    b->history(channel, std::nullopt, [&](hub::history_result) { ++answered; });
                    b->open(channel, [&](std::optional<hub::stream_position>) { ++answered; });
                    b->close(channel);
                }
            });
        }
        EXPECT_TRUE(eventually([&] { return issued.load() >= 300; }, 10s));
        b->stop();
        done_calling = true;
        for (auto& t : threads)
            t.join();
        EXPECT_TRUE(eventually([&] { return answered.load() == issued.load(); }, 5s))
            << "round " << round << ": " << issued.load() - answered.load()
            << " calls never answered";
        b.reset();
        if (HasFailure()) break;
    }
}

}  // namespace
}  // namespace kata::e2e
