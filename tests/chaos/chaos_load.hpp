#pragma once
// The traffic of the chaos run, each actor on its own thread: one publisher per channel (HTTP
// publish to either node, sequential, so each channel's order is the publisher's), resuming
// subscribers on both nodes (raw WebSocket: a duplicate the server sends is seen, not hidden by
// a client's dedupe), intruders with an unknown key and a forbidden channel, and a /readyz probe.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/chaos/chaos_records.hpp"
#include "tests/chaos/chaos_world.hpp"

namespace kata::chaos {

class chaos_load {
  public:
    chaos_load(chaos_world& world, std::uint64_t seed);
    ~chaos_load();  // stops every thread

    // Subscribers connect and subscribe to every channel; returns once all of them are granted.
    bool start_subscribers(std::chrono::milliseconds timeout);
    void start_traffic();  // publishers, intruders, readiness probe
    void stop_publishers();
    // Publishes one last event per channel (retrying until a 200), then waits until every
    // subscriber has it. False on deadline.
    bool finish(std::chrono::milliseconds timeout);
    void stop_all();

    // Records; read them after stop_all().
    std::vector<publish_attempt> attempts;
    std::vector<subscriber_record> subscribers;
    std::vector<readiness_sample> readiness;
    std::vector<breach> breaches;
    std::string describe_progress() const;

  private:
    struct subscriber_state;
    void publisher_loop(std::size_t channel, std::uint64_t seed);
    void subscriber_loop(std::size_t index);
    void intruder_loop(std::uint64_t seed);
    void readiness_loop();
    publish_attempt publish_once(int node, const std::string& channel, const std::vector<int>& ns);
    void add_breach(std::string what);

    chaos_world& world_;
    std::uint64_t seed_;
    mutable std::mutex mutex_;  // guards the records and next_n_
    std::vector<int> next_n_;   // per channel
    std::vector<std::unique_ptr<subscriber_state>> subs_;
    std::atomic<bool> publishing_{false};
    std::atomic<bool> running_{true};
    std::vector<std::thread> publishers_;
    std::vector<std::thread> others_;
};

}  // namespace kata::chaos
