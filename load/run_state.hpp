#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "load/accounting.hpp"
#include "load/histogram.hpp"

namespace kata::load {

// `resuming`: cut by --churn, reconnecting and resubscribing with `since`; still owed its events.
enum class connection_phase { waiting, connecting, subscribed, resuming, failed, closed };

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

    // --churn: connections the run cut on purpose (not disconnects) and how their resumes went.
    std::uint64_t churned = 0;           // cut, then reconnected at once
    std::uint64_t resumed = 0;           // resubscribed (`subscribed` answered)
    std::uint64_t unrecovered = 0;       // ... answered recovered:false (or no `recovered`)
    std::uint64_t reconnect_failed = 0;  // reconnect or resubscribe failed: the subscriber is gone
    std::uint64_t churn_skipped = 0;     // a drop was due but no connection could be cut
    std::string first_reconnect_error;
    histogram reconnect_latency;  // cut -> `subscribed` received again

    void connect_failed(std::size_t index, std::string reason);
    void publish_failed(std::uint64_t events, std::string reason);
    // Deliveries still owed by connections that are open now, for the events accepted so far.
    std::uint64_t outstanding() const;
    // Subscribers cut by --churn that have not resubscribed yet.
    std::size_t resuming() const;
};

}  // namespace kata::load
