// The hub under threads: subscribes, publishes and unsubscribes racing the sweep that retires idle
// channels. Built into unit_tests and into the ThreadSanitizer suite (tsan_tests), where a
// channel freed or unlocked out of order, or a lock taken against the hub's order, is reported.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
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

// A broker that answers at once, on the caller's thread: the hub's remote bookkeeping (open,
// close, prepared subscribes) without a network, so the race is the hub's alone.
struct instant_broker final : broker {
    void set_sink(broker_sink*) override {}
    void start() override {}
    void stop() override {}
    void publish(std::vector<outgoing_event> events,
                 std::function<void(publish_result)> done) override {
        publish_result r;
        for (std::size_t i = 0; i < events.size(); ++i)
            r.ids.emplace_back(protocol::event_id{1, next.fetch_add(1)});
        done(std::move(r));
    }
    void open(const std::string&,
              std::function<void(std::optional<stream_position>)> done) override {
        done(stream_position{1, 0});
    }
    void close(const std::string&) override {}
    void history(const std::string&, std::optional<protocol::event_id>,
                 std::function<void(history_result)> done) override {
        history_result r;
        r.available = true;
        r.position = {1, 0};
        r.complete = true;
        done(std::move(r));
    }
    bool ready() const override { return true; }
    std::atomic<std::uint64_t> next{1};
};

TEST(HubStress, PreparedSubscribesRaceTheSweepWithARemoteBroker) {
    hub h;
    instant_broker b;
    h.set_broker(&b);
    constexpr unsigned threads = 4;
    constexpr unsigned rounds = 10000;
    std::atomic<bool> done{false};
    std::atomic<unsigned> unavailable{0};
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
                const auto name = channel_of((i + t) % 3);
                // The answer may come on another worker's thread: the one whose open the
                // broker answered runs every subscribe that waited for it.
                std::promise<prepared> answer;
                h.prepare(name, std::nullopt, [&](prepared p) { answer.set_value(std::move(p)); });
                std::optional<prepared> ready = answer.get_future().get();
                if (!ready->available) {
                    unavailable.fetch_add(1);
                    h.abandon(*ready);
                    continue;
                }
                if (i % 2) {  // half give up before attaching
                    h.abandon(*ready);
                    continue;
                }
                auto att = h.attach_prepared(*ready, &sub);
                if (!att) {
                    unavailable.fetch_add(1);
                    h.abandon(*ready);
                    continue;
                }
                h.detach(*att->ch, &sub);
            }
        });
    }
    for (auto& w : workers)
        w.join();
    done = true;
    sweeper.join();
    EXPECT_EQ(unavailable.load(), 0u);
    h.sweep(history_ring::clock::now());
    EXPECT_EQ(h.channel_count(), 0u);
}

}  // namespace
}  // namespace kata::hub
