#pragma once
// Shared by the Redis broker tests: a sink that records what a node receives, and blocking
// wrappers (with deadlines) around the broker's asynchronous calls.
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/redis/redis_broker.hpp"
#include "eventually.hpp"
#include "redis_process.hpp"

namespace kata::e2e {

using namespace std::chrono_literals;

struct recorded_event {
    std::string channel;
    hub::remote_event event;
};

class recording_sink : public hub::broker_sink {
  public:
    void on_remote_event(std::string_view channel, const hub::remote_event& e) override {
        std::lock_guard lock(mutex_);
        events_.push_back({std::string(channel), e});
        cv_.notify_all();
    }
    // A gap is recorded as an event of sequence 0 in its place.
    void on_remote_gap(std::string_view channel) override {
        std::lock_guard lock(mutex_);
        events_.push_back({std::string(channel), hub::remote_event{}});
        cv_.notify_all();
    }
    // Waits until at least `n` events arrived; returns a copy of all of them.
    std::vector<recorded_event> wait_for(std::size_t n, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
        return events_;
    }
    std::vector<recorded_event> events() {
        std::lock_guard lock(mutex_);
        return events_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<recorded_event> events_;
};

inline redis::redis_broker_settings settings_for(std::vector<std::string> urls) {
    redis::redis_broker_settings s;
    s.urls = std::move(urls);
    s.prefix = "test";
    return s;
}

// Calls `start(answer)` and waits for the answer; a missing answer fails the test's ASSERT.
template <class T, class Start>
std::optional<T> await_answer(Start start, std::chrono::milliseconds timeout = 10s) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    start([promise](T value) { promise->set_value(std::move(value)); });
    if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    return future.get();
}

inline hub::outgoing_event make_event(const std::string& channel, const std::string& body) {
    return {channel, R"({"type":"t","channel":")" + channel + R"(","eventId":")",
            R"(","payload":)" + body + "}"};
}

inline std::optional<hub::publish_result> publish(hub::broker& b,
                                                  std::vector<hub::outgoing_event> events) {
    return await_answer<hub::publish_result>(
        [&](auto done) { b.publish(std::move(events), std::move(done)); });
}

inline std::optional<std::optional<hub::stream_position>> open(hub::broker& b,
                                                               const std::string& channel) {
    return await_answer<std::optional<hub::stream_position>>(
        [&](auto done) { b.open(channel, std::move(done)); });
}

inline std::optional<hub::history_result> history(hub::broker& b, const std::string& channel,
                                                  std::optional<protocol::event_id> since) {
    return await_answer<hub::history_result>(
        [&](auto done) { b.history(channel, since, std::move(done)); });
}

// Publishes until every event is stored (a shard may be reconnecting), in order.
inline hub::publish_result publish_all(hub::broker& b, std::vector<hub::outgoing_event> events) {
    hub::publish_result last;
    eventually(
        [&] {
            auto r = publish(b, events);
            if (!r) return false;
            last = *r;
            return last.all_stored();
        },
        10s);
    return last;
}

}  // namespace kata::e2e
