#include "load/run_state.hpp"

namespace kata::load {

run_state::run_state(std::size_t connections, std::size_t channels)
    : channel_of(connections),
      tallies(connections),
      phase(connections, connection_phase::waiting),
      events_sent(channels, 0),
      events_accepted(channels, 0) {
    for (std::size_t i = 0; i < connections; ++i)
        channel_of[i] = i % channels;
}

void run_state::connect_failed(std::size_t index, std::string reason) {
    if (first_connect_error.empty()) first_connect_error = std::move(reason);
    phase[index] = connection_phase::failed;
    ++settled;
}

void run_state::publish_failed(std::uint64_t events, std::string reason) {
    if (first_publish_error.empty()) first_publish_error = std::move(reason);
    events_failed += events;
}

std::uint64_t run_state::outstanding() const {
    std::uint64_t owed = 0;
    for (std::size_t i = 0; i < tallies.size(); ++i) {
        if (phase[i] != connection_phase::subscribed && phase[i] != connection_phase::resuming)
            continue;
        const std::uint64_t accepted = events_accepted[channel_of[i]];
        const std::uint64_t got = tallies[i].distinct();
        if (accepted > got) owed += accepted - got;
    }
    return owed;
}

std::size_t run_state::resuming() const {
    std::size_t n = 0;
    for (const auto p : phase)
        n += p == connection_phase::resuming ? 1 : 0;
    return n;
}

}  // namespace kata::load
