#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string_view>

namespace kata::load {

// `--churn RATE`: during the publishing phase, RATE times a second (over all connections) one
// open subscriber connection is cut and resumes. The schedule is constant, like the publisher's:
// drop k (k = 1, 2, ...) is due at publish start + k / RATE, and there are floor(RATE * duration)
// of them, so a run with churn is exactly as long as one without.
std::uint64_t planned_churns(double rate, std::chrono::milliseconds duration);
std::chrono::steady_clock::duration churn_offset(double rate, std::uint64_t k);

// A uniformly random index in [0, n) for which `eligible` holds, or nullopt when none does. A few
// random probes first (cheap when most connections are eligible, the usual case), then one pass
// that collects the eligible indices, so a sparse set is still sampled uniformly.
std::optional<std::size_t> pick_victim(std::size_t n,
                                       const std::function<bool(std::size_t)>& eligible,
                                       std::mt19937_64& rng);

// The `recovered` answer of a `subscribed` frame, scanned like the rest of the read loop (no
// DOM): nullopt when the frame has no boolean `recovered` (the subscribe carried no `since`, or
// the server does not support resume).
std::optional<bool> scan_recovered(std::string_view frame);

// The envelope's `eventId` ("" when absent), the `since` of the next resume.
std::string_view scan_event_id(std::string_view frame);

}  // namespace kata::load
