#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "load/accounting.hpp"
#include "load/histogram.hpp"

namespace kata::load {

// `resuming`: cut by --churn, reconnecting and resubscribing with `since`; still owed its events.
enum class connection_phase { waiting, connecting, subscribed, resuming, failed, closed };

// What the subscribers of one load thread record during a run. Only that thread touches it while
// the run goes on (the others ask it for a live_counts), so it is plain data: no locks, no
// atomics, nothing on the hot path but a histogram increment and a bit set. The threads' states
// are merged once, at the end.
struct subscriber_state {
    // `subscribers`: the run-wide indices of this thread's connections (connection i of the run
    // is subscriber i and subscribes to channel i % channels).
    subscriber_state(std::vector<std::size_t> subscribers, std::size_t channels);

    // Per local connection j (run-wide index subscriber_of[j]).
    std::vector<std::size_t> subscriber_of;
    std::vector<std::size_t> channel_of;
    std::vector<subscriber_tally> tallies;
    std::vector<connection_phase> phase;

    histogram latency;           // the whole run
    histogram latency_interval;  // since the last progress line
    histogram connect_latency;
    histogram upgrade_latency;    // TCP connect start -> 101 (authentication included)
    histogram subscribe_latency;  // subscribe sent -> `subscribed` (authorization included)
    disconnect_counts disconnects;
    std::string first_connect_error;

    std::uint64_t deliveries = 0;     // first deliveries, live counter for progress and drain
    std::uint64_t wire_bytes = 0;     // read from the sockets after the upgrade (frames)
    std::uint64_t message_bytes = 0;  // the text messages in them, inflated when compressed
    std::size_t subscribed = 0;       // reached `subscribed`, ever
    std::vector<std::size_t> upgraded_on_node;  // first upgrades per node (--url), not resumes
    std::size_t settled = 0;                    // subscribed or failed
    bool stopping = false;  // the run is closing connections itself: not disconnects

    // --churn: connections the run cut on purpose (not disconnects) and how their resumes went.
    std::uint64_t churned = 0;           // cut, then reconnected at once
    std::uint64_t resumed = 0;           // resubscribed (`subscribed` answered)
    std::uint64_t unrecovered = 0;       // ... answered recovered:false (or no `recovered`)
    std::uint64_t reconnect_failed = 0;  // reconnect or resubscribe failed: the subscriber is gone
    std::string first_reconnect_error;
    histogram reconnect_latency;  // cut -> `subscribed` received again

    void connect_failed(std::size_t local, std::string reason);
    // Deliveries still owed by connections that are open now, given the events the server has
    // accepted so far on each channel.
    std::uint64_t outstanding(const std::vector<std::uint64_t>& events_accepted) const;
    // Subscribers cut by --churn that have not resubscribed yet.
    std::size_t resuming() const;
};

// What the publisher records; it runs on the run's control thread, alone.
struct publish_state {
    explicit publish_state(std::size_t channels);

    // Per channel: events sent (sequence numbers 0..n-1) and how many the server accepted.
    std::vector<std::uint64_t> events_sent;
    std::vector<std::uint64_t> events_accepted;
    std::uint64_t publish_requests = 0;
    std::uint64_t events_failed = 0;
    std::string first_publish_error;
    bool stopping = false;  // the run is ending: publish nothing more

    void publish_failed(std::uint64_t events, std::string reason);
    std::uint64_t total_sent() const;
};

// A snapshot of the subscriber threads, summed, for the progress line and the run's phases.
struct live_counts {
    std::size_t subscribed = 0;
    std::size_t settled = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t outstanding = 0;  // only when asked for (it walks every tally)
    std::size_t resuming = 0;
    std::size_t closing = 0;  // close frames sent by the run and not yet answered
    std::uint64_t disconnects = 0;
    std::uint64_t churned = 0;
    std::uint64_t unrecovered = 0;
    std::optional<histogram> latency_interval;  // only when asked for (progress); reset then

    void add(const live_counts& other);
};

}  // namespace kata::load
