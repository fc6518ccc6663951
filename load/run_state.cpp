#include "load/run_state.hpp"

#include <numeric>

namespace kata::load {

subscriber_state::subscriber_state(std::vector<std::size_t> subscribers, std::size_t channels)
    : subscriber_of(std::move(subscribers)),
      channel_of(subscriber_of.size()),
      tallies(subscriber_of.size()),
      phase(subscriber_of.size(), connection_phase::waiting) {
    for (std::size_t j = 0; j < subscriber_of.size(); ++j)
        channel_of[j] = subscriber_of[j] % channels;
}

void subscriber_state::connect_failed(std::size_t local, std::string reason) {
    if (first_connect_error.empty()) first_connect_error = std::move(reason);
    phase[local] = connection_phase::failed;
    ++settled;
}

std::uint64_t subscriber_state::outstanding(
    const std::vector<std::uint64_t>& events_accepted) const {
    std::uint64_t owed = 0;
    for (std::size_t j = 0; j < tallies.size(); ++j) {
        if (phase[j] != connection_phase::subscribed && phase[j] != connection_phase::resuming)
            continue;
        const std::uint64_t accepted = events_accepted[channel_of[j]];
        const std::uint64_t got = tallies[j].distinct();
        if (accepted > got) owed += accepted - got;
    }
    return owed;
}

std::size_t subscriber_state::resuming() const {
    std::size_t n = 0;
    for (const auto p : phase)
        n += p == connection_phase::resuming ? 1 : 0;
    return n;
}

publish_state::publish_state(std::size_t channels)
    : events_sent(channels, 0), events_accepted(channels, 0) {}

void publish_state::publish_failed(std::uint64_t events, std::string reason) {
    if (first_publish_error.empty()) first_publish_error = std::move(reason);
    events_failed += events;
}

std::uint64_t publish_state::total_sent() const {
    return std::accumulate(events_sent.begin(), events_sent.end(), std::uint64_t{0});
}

void live_counts::add(const live_counts& other) {
    subscribed += other.subscribed;
    settled += other.settled;
    deliveries += other.deliveries;
    outstanding += other.outstanding;
    resuming += other.resuming;
    closing += other.closing;
    disconnects += other.disconnects;
    churned += other.churned;
    unrecovered += other.unrecovered;
    if (other.latency_interval) {
        if (!latency_interval) latency_interval.emplace();
        latency_interval->merge(*other.latency_interval);
    }
}

}  // namespace kata::load
