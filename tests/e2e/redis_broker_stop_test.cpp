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
    constexpr int rounds = 25;
    // Each caller keeps a few calls in flight, no more: the broker's thread is not buried
    // under a backlog that stop() would then have to drain.
    constexpr std::uint64_t max_in_flight = 30;
    for (int round = 0; round < rounds; ++round) {
        auto b = std::make_unique<redis::redis_broker>(settings_for({redis.url()}));
        b->start();
        std::atomic<std::uint64_t> issued{0}, answered{0};
        std::vector<std::atomic<std::uint64_t>> in_flight(callers);
        std::atomic<bool> done_calling{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < callers; ++t) {
            threads.emplace_back([&, t] {
                const std::string channel = "spec:race" + std::to_string(t);
                auto& mine = in_flight[static_cast<std::size_t>(t)];
                // Answers may come after this thread ended: they touch only the round's counters.
                auto* counters = &mine;
                auto* total = &answered;
                const auto answer = [counters, total] {
                    --*counters;
                    ++*total;
                };
                while (!done_calling.load()) {
                    if (mine.load() >= max_in_flight) {
                        std::this_thread::yield();
                        continue;
                    }
                    issued += 3;
                    mine += 3;
                    b->publish({make_event(channel, "1")},
                               [answer](hub::publish_result) { answer(); });
                    b->history(channel, std::nullopt, [answer](hub::history_result) { answer(); });
                    b->open(channel, [answer](std::optional<hub::stream_position>) { answer(); });
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

// The same race, made certain: a publish held between its running check and its post while
// stop() runs. stop() must wait for it (and then answer it), not return and leave the publish
// to be posted onto a context that never runs again.
TEST(RedisBrokerStop, ACallCaughtBetweenItsCheckAndItsPostIsStillAnswered) {
    if (access(redis_server_binary, X_OK) != 0) GTEST_SKIP() << "no redis-server";
    redis_process redis;
    redis::redis_broker b(settings_for({redis.url()}));
    b.start();
    std::atomic<bool> in_window{false}, stopped{false}, answered{false};
    b.pause_calls_for_test([&] {
        in_window = true;
        // Long enough for an unguarded stop() to finish; a guarded one waits for this call.
        eventually([&] { return stopped.load(); }, 1s);
    });
    std::thread caller([&] {
        b.publish({make_event("spec:held", "1")}, [&](hub::publish_result) { answered = true; });
    });
    ASSERT_TRUE(eventually([&] { return in_window.load(); }, 5s));
    std::thread stopper([&] {
        b.stop();
        stopped = true;
    });
    caller.join();
    stopper.join();
    EXPECT_TRUE(eventually([&] { return answered.load(); }, 5s))
        << "a publish that found the broker running was never answered";
}

}  // namespace
}  // namespace kata::e2e
