#pragma once
// The invariants of the chaos run, checked on its records after the run. Each check returns one
// line per violation, naming the invariant, the subscriber or node, and the events concerned.
#include <string>
#include <vector>

#include "tests/chaos/chaos_records.hpp"
#include "tests/e2e/directory_backend.hpp"

namespace kata::chaos {

// Every event acknowledged with 200 and published after a subscriber's first grant on its
// channel reaches that subscriber, or the subscriber was told (a `subscribed` with
// "recovered": false, or a subscribe it had to make without `since`) between the events it got
// around the gap, in stored order (the ids' sequence). No duplicate, no reordering, no event that
// was never published.
std::vector<std::string> check_delivery(const std::vector<publish_attempt>& attempts,
                                        const std::vector<subscriber_record>& subscribers);

// No admission, accepted publish or granted subscribe without the backend's own 200 answer for
// that digest or that channel (with the owning team) while it was being decided.
std::vector<std::string> check_directory_answers(
    const std::vector<publish_attempt>& attempts, const std::vector<subscriber_record>& subscribers,
    const std::vector<e2e::directory_backend::given_answer>& answers);

// /readyz turns 503 within readiness_grace of losing the shard and 200 within readiness_grace
// of its return, for the faults that held every Redis connection down long enough.
std::vector<std::string> check_readiness(const std::vector<readiness_sample>& samples,
                                         const std::vector<fault_record>& faults);

// Warnings that break no invariant but are worth reading next to a failure.
std::vector<std::string> delivery_notes(const std::vector<publish_attempt>& attempts,
                                        const std::vector<subscriber_record>& subscribers);

}  // namespace kata::chaos
