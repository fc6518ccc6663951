#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "load/accounting.hpp"
#include "load/histogram.hpp"

namespace kata::load {

enum class connection_phase { waiting, connecting, subscribed, failed, closed };

// Everything the subscribers and the publisher record during a run. The whole load client runs
// on one thread, so this is plain data: no locks, no atomics, nothing on the hot path but a
// histogram increment and a bit set.
struct run_state {
    explicit run_state(std::size_t connections, std::size_t channels);

    // Per subscriber.
    std::vector<std::size_t> channel_of;
    std::vector<subscriber_tally> tallies;
    std::vector<connection_phase> phase;

    // Per channel: events the publisher sent (sequence numbers 0..n-1) and how many of them the
    // server accepted.
    std::vector<std::uint64_t> events_sent;
    std::vector<std::uint64_t> events_accepted;

    histogram latency;           // the whole run
    histogram latency_interval;  // since the last progress line
    histogram connect_latency;
    disconnect_counts disconnects;
    std::string first_connect_error;
    std::string first_publish_error;

    std::uint64_t deliveries = 0;  // first deliveries, live counter for progress and drain
    std::uint64_t publish_requests = 0;
    std::uint64_t events_failed = 0;
    std::size_t subscribed = 0;  // reached `subscribed`, ever
    std::size_t settled = 0;     // subscribed or failed
    bool stopping = false;       // the run is closing connections itself: not disconnects

    void connect_failed(std::size_t index, std::string reason);
    void publish_failed(std::uint64_t events, std::string reason);
    // Deliveries still owed by connections that are open now, for the events accepted so far.
    std::uint64_t outstanding() const;
};

}  // namespace kata::load
