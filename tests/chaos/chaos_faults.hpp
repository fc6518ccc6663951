#pragma once
// The seeded fault schedule: one fault at a time on one of the proxies (a node's link to Redis,
// its link to the directory backend, or a flaky subscriber's link to the node), held for a
// random time, then healed, then a quiet gap. The same seed gives the same schedule.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/chaos/chaos_records.hpp"
#include "tests/chaos/chaos_world.hpp"

namespace kata::chaos {

// How long the readiness check allows each way, and so the least a shard loss must last (and
// the quiet after it) for the check to apply.
inline constexpr auto readiness_grace = std::chrono::seconds(3);

// Runs faults until `duration` has passed, then heals every proxy. Appends what it did to `log`.
// `only`, when not empty, is a comma-separated list: only faults whose name contains one of its
// words run (e.g. "redis", "directory,client cut"), to narrow down a failure.
void run_fault_schedule(chaos_world& world, std::uint64_t seed, std::chrono::seconds duration,
                        const std::string& only, std::vector<fault_record>& log);

}  // namespace kata::chaos
