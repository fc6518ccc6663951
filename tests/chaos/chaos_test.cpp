// The chaos run: two `kata-rt serve` nodes, one Redis and the HTTP directory backend, with fault
// proxies on every link, publishers and resuming subscribers on both nodes, and a seeded random
// schedule of faults (KATA_RT_CHAOS_SEED, KATA_RT_CHAOS_SECONDS, default 60). Afterwards every
// invariant is checked on what the run recorded; a failure prints the seed that replays its
// schedule.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>

#include "tests/chaos/chaos_check.hpp"
#include "tests/chaos/chaos_faults.hpp"
#include "tests/chaos/chaos_load.hpp"
#include "tests/chaos/chaos_world.hpp"

namespace kata::chaos {
namespace {

using namespace std::chrono_literals;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return fallback;
    return std::stoull(v);
}

void report(std::ostringstream& out, const std::string& invariant,
            const std::vector<std::string>& lines, bool& failed) {
    if (lines.empty()) return;
    failed = true;
    out << "\nINVARIANT VIOLATED: " << invariant << " (" << lines.size() << ")\n";
    for (std::size_t i = 0; i < lines.size() && i < 25; ++i)
        out << "  " << lines[i] << "\n";
    if (lines.size() > 25) out << "  ... " << lines.size() - 25 << " more\n";
}

TEST(Chaos, EveryGuaranteeHoldsUnderRandomFaults) {
    const auto seed = env_number("KATA_RT_CHAOS_SEED", std::random_device{}());
    const auto seconds = std::chrono::seconds(env_number("KATA_RT_CHAOS_SECONDS", 60));
    const char* only_env = std::getenv("KATA_RT_CHAOS_FAULTS");
    const std::string only = only_env ? only_env : "";
    std::cout << "chaos: seed " << seed << ", " << seconds.count() << " s of faults"
              << (only.empty() ? "" : " (only: " + only + ")")
              << " (replay with KATA_RT_CHAOS_SEED=" << seed << ")" << std::endl;

    chaos_world world;
    chaos_load load(world, seed);
    ASSERT_TRUE(load.start_subscribers(20s)) << "seed " << seed << ": subscribers never granted";
    const std::array<std::uint64_t, 2> rss_start = {chaos_world::rss(world.nodes[0].port),
                                                    chaos_world::rss(world.nodes[1].port)};
    load.start_traffic();
    std::vector<fault_record> faults;
    run_fault_schedule(world, seed, seconds, only, faults);
    load.stop_publishers();
    const bool caught_up = load.finish(30s);
    const auto progress = load.describe_progress();
    load.stop_all();
    // The run's memory check: with history.ttl_ms 5000, 10 s after the load stops what the
    // load held is gone.
    std::this_thread::sleep_for(10s);
    const std::array<std::uint64_t, 2> rss_end = {chaos_world::rss(world.nodes[0].port),
                                                  chaos_world::rss(world.nodes[1].port)};

    std::ostringstream out;
    bool failed = false;
    if (!caught_up) {
        report(out, "every subscriber gets the last event of every channel after the faults",
               {"not every subscriber caught up within 30 s:\n" + progress}, failed);
    }
    report(
        out, "no breach seen while running (admissions, publishes, forbidden grants)",
        [&] {
            std::vector<std::string> v;
            for (const auto& b : load.breaches)
                v.push_back(b.what);
            return v;
        }(),
        failed);
    report(out, "acknowledged events delivered exactly once, in order, or the subscriber told",
           check_delivery(load.attempts, load.subscribers), failed);
    report(out, "every admission, publish and grant backed by the backend's own answer",
           check_directory_answers(load.attempts, load.subscribers, world.backend.answers()),
           failed);
    report(out, "/readyz follows the shard within 3 s", check_readiness(load.readiness, faults),
           failed);
    std::vector<std::string> memory;
    for (int i = 0; i < 2; ++i) {
        const auto start = rss_start[static_cast<std::size_t>(i)];
        const auto end = rss_end[static_cast<std::size_t>(i)];
        const auto allowed = std::max<std::uint64_t>(start / 5, 8u << 20);
        if (start == 0 || end == 0 || end > start + allowed)
            memory.push_back("node " + std::to_string(i) + ": RSS " + std::to_string(start >> 10) +
                             " KiB at start, " + std::to_string(end >> 10) +
                             " KiB 10 s after the load (allowed +" + std::to_string(allowed >> 10) +
                             " KiB)");
    }
    report(out, "RSS returns within max(20 %, 8 MiB) of its start", memory, failed);

    int acknowledged = 0, events = 0;
    for (const auto& a : load.attempts) {
        events += static_cast<int>(a.ns.size());
        if (a.status == 200) acknowledged += static_cast<int>(a.ns.size());
    }
    std::cout << "chaos: " << faults.size() << " faults, " << events << " events published, "
              << acknowledged << " acknowledged" << std::endl;
    if (failed) {
        out << "\nfaults:\n";
        for (const auto& f : faults)
            out << "  " << f.what << "\n";
        out << "notes:\n";
        for (const auto& n : delivery_notes(load.attempts, load.subscribers))
            out << "  " << n << "\n";
        for (int i = 0; i < 2; ++i)
            out << "node " << i << " log (tail):\n" << world.log_tail(i) << "\n";
        ADD_FAILURE() << "chaos run with seed " << seed << " (replay: KATA_RT_CHAOS_SEED=" << seed
                      << " KATA_RT_CHAOS_SECONDS=" << seconds.count()
                      << (only.empty() ? "" : " KATA_RT_CHAOS_FAULTS='" + only + "'") << ")"
                      << out.str();
    }
}

}  // namespace
}  // namespace kata::chaos
