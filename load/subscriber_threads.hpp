#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "load/cpu_usage.hpp"
#include "load/run_state.hpp"
#include "load/scenario.hpp"

namespace kata::load {

// The subscribing side of a run on scenario.threads threads: each has its own io_context, its own
// load_client and its own subscriber_state, and run-wide connection i lives on thread
// i % threads. Nothing is shared on the per-event path; the run's control thread asks the threads
// for what it needs (the awaitables below run their work on each thread in turn) and merges
// their states once they have stopped.
class subscriber_threads {
  public:
    explicit subscriber_threads(const scenario& sc);
    ~subscriber_threads();  // stops and joins the threads if stop() was not called
    subscriber_threads(const subscriber_threads&) = delete;
    subscriber_threads& operator=(const subscriber_threads&) = delete;

    // Starts the threads; each opens its connections on the run's ramp from `begin`.
    void start(std::chrono::steady_clock::time_point begin);

    // Live figures summed over the threads (see load_client::counts).
    boost::asio::awaitable<live_counts> counts(const std::vector<std::uint64_t>* accepted,
                                               bool take_interval);
    // --churn: cuts one random eligible connection, trying the threads from a random one; false
    // when no thread had one.
    boost::asio::awaitable<bool> cut_one(std::mt19937_64& rng);
    boost::asio::awaitable<void> begin_close();
    boost::asio::awaitable<void> cut_all();

    // Stops the threads and waits for them; rethrows what escaped one of them.
    void stop();

    // After stop(): each thread's state, and the CPU time each thread used.
    const std::vector<const subscriber_state*>& states() const { return states_; }
    std::vector<cpu_time> thread_cpu() const;

  private:
    struct worker;
    std::vector<std::unique_ptr<worker>> workers_;
    std::vector<const subscriber_state*> states_;
    bool stopped_ = false;
};

}  // namespace kata::load
