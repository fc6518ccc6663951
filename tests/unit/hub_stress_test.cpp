// The hub under threads: subscribes, publishes and unsubscribes racing the sweep that retires idle
// channels. Built into unit_tests and into the ThreadSanitizer suite (tsan_tests), where a
// channel freed or unlocked out of order, or a lock taken against the hub's order, is reported.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/hub/hub.hpp"

namespace kata::hub {
namespace {

// One thread's subscriber: records the sequence of the last event handed to it.
struct recorder final : subscriber {
    std::atomic<std::uint64_t> last{0};
    std::atomic<std::uint64_t> count{0};
    void deliver(const channel&, std::uint64_t sequence, const frame&) override {
        last.store(sequence, std::memory_order_relaxed);
        count.fetch_add(1, std::memory_order_relaxed);
    }
};

protocol::channel_name channel_of(unsigned i) {
    return {protocol::channel_family::team, "c" + std::to_string(i)};
}

// Without history a channel lives only while it has subscribers, so the sweep retires channels
// between every unsubscribe and the next subscribe: each subscribe and publish that looked a
// channel up just before may find it retired and must look it up again.
void race_the_sweep(hub_settings settings, unsigned rounds) {
    hub h(settings);
    constexpr unsigned threads = 4;
    constexpr unsigned channels = 3;
    std::atomic<bool> done{false};
    std::atomic<unsigned> missed{0};
    std::thread sweeper([&] {
        while (!done.load()) {
            h.sweep(history_ring::clock::now());
        }
    });
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            recorder sub;
            for (unsigned i = 0; i < rounds; ++i) {
                const auto name = channel_of((i + t) % channels);
                auto att = h.attach(name, &sub, std::nullopt);
                const auto before = sub.count.load();
                h.publish(name, "log_entry", R"({"n":1})");
                // A subscribed channel is never retired: the event reaches this subscriber.
                if (sub.count.load() == before) missed.fetch_add(1);
                h.detach(*att.ch, &sub);
                // A publish nobody listens to, as the sweep may be retiring the channel.
                h.publish(channel_of((i + t + 1) % channels), "log_entry", "{}");
            }
        });
    }
    for (auto& w : workers)
        w.join();
    done = true;
    sweeper.join();
    EXPECT_EQ(missed.load(), 0u);
    h.sweep(history_ring::clock::now() + std::chrono::hours(1));
    EXPECT_EQ(h.channel_count(), 0u);
    EXPECT_EQ(h.history_bytes(), 0u);
}

TEST(HubStress, SubscribesAndPublishesRaceTheSweepWithoutHistory) {
    hub_settings s;
    s.history.max_events = 0;
    race_the_sweep(s, 20000);
}

TEST(HubStress, SubscribesAndPublishesRaceTheSweepWithAShortTtl) {
    hub_settings s;
    s.history.ttl = std::chrono::milliseconds(0);
    race_the_sweep(s, 20000);
}

}  // namespace
}  // namespace kata::hub
