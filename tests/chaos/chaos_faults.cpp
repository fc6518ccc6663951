#include "tests/chaos/chaos_faults.hpp"

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <thread>

namespace kata::chaos {

using namespace std::chrono_literals;
using e2e::relay_direction;
using ms = std::chrono::milliseconds;

namespace {

// A stale answer a confused backend might write one time too many: a real principal's.
std::string extra_answer() {
    const std::string body = R"({"id":"pub","team":"t1","scopes":["publish"]})";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct fault_kind {
    const char* name;
    int link;  // 0 Redis, 1 directory, 2 the flaky subscriber's link
    int weight;
    // Applies the fault; returns how long to hold it before restore().
    std::function<ms(e2e::tcp_relay&, std::mt19937_64&)> apply;
    bool can_lose_shard = false;  // holds every Redis connection down for its whole duration
};

ms pick(std::mt19937_64& rng, int lo, int hi) {
    return ms(lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1)));
}

const std::vector<fault_kind>& kinds() {
    static const std::vector<fault_kind> all = {
        {"redis cut", 0, 3,
         [](auto& r, auto& g) {
             r.cut();
             return pick(g, 1000, 6000);
         },
         true},
        {"redis freeze", 0, 3,
         [](auto& r, auto& g) {
             r.freeze();
             return pick(g, 1000, 6000);
         },
         true},
        {"redis stall replies", 0, 2,
         [](auto& r, auto& g) {
             r.stall(relay_direction::downstream);
             return pick(g, 500, 3000);
         }},
        {"redis reset", 0, 2,
         [](auto& r, auto&) {
             r.reset();
             return ms(0);
         }},
        {"redis delay", 0, 2,
         [](auto& r, auto& g) {
             r.set_delay(relay_direction::both, pick(g, 20, 300));
             return pick(g, 2000, 5000);
         }},
        {"redis drop replies", 0, 1,
         [](auto& r, auto&) {
             r.drop_rest(relay_direction::downstream);
             return ms(0);
         }},
        {"redis drop commands", 0, 1,
         [](auto& r, auto&) {
             r.drop_rest(relay_direction::upstream);
             return ms(0);
         }},
        {"directory cut", 1, 2,
         [](auto& r, auto& g) {
             r.cut();
             return pick(g, 500, 3000);
         }},
        {"directory freeze", 1, 2,
         [](auto& r, auto& g) {
             r.freeze();
             return pick(g, 500, 3000);
         }},
        {"directory reset", 1, 1,
         [](auto& r, auto&) {
             r.reset();
             return ms(0);
         }},
        {"directory delay", 1, 2,
         [](auto& r, auto& g) {
             r.set_delay(relay_direction::downstream, pick(g, 100, 700));
             return pick(g, 2000, 4000);
         }},
        {"directory drop answers", 1, 1,
         [](auto& r, auto&) {
             r.drop_rest(relay_direction::downstream);
             return ms(0);
         }},
        {"directory 103 before an answer", 1, 2,
         [](auto& r, auto&) {
             r.inject_before_next(relay_direction::downstream, "HTTP/1.1 103 Early Hints\r\n\r\n");
             return ms(1000);
         }},
        {"directory garbage after an answer", 1, 1,
         [](auto& r, auto&) {
             r.inject_after_next(relay_direction::downstream, "x");
             return ms(1000);
         }},
        {"directory extra answer", 1, 2,
         [](auto& r, auto&) {
             r.inject_after_next(relay_direction::downstream, extra_answer());
             return ms(1000);
         }},
        {"directory duplicated answer", 1, 2,
         [](auto& r, auto&) {
             r.duplicate_next(relay_direction::downstream);
             return ms(1000);
         }},
        {"client cut", 2, 2,
         [](auto& r, auto& g) {
             r.cut();
             return pick(g, 300, 2000);
         }},
        {"client reset", 2, 1,
         [](auto& r, auto&) {
             r.reset();
             return ms(0);
         }},
    };
    return all;
}

}  // namespace

void run_fault_schedule(chaos_world& world, std::uint64_t seed, std::chrono::seconds duration,
                        const std::string& only, std::vector<fault_record>& log) {
    std::mt19937_64 rng(seed);
    std::vector<const fault_kind*> chosen;
    for (const auto& k : kinds()) {
        bool wanted = only.empty();
        for (std::size_t at = 0; !wanted && at <= only.size();) {
            const auto comma = std::min(only.find(',', at), only.size());
            const auto word = only.substr(at, comma - at);
            wanted = !word.empty() && std::string(k.name).find(word) != std::string::npos;
            at = comma + 1;
        }
        if (wanted) chosen.push_back(&k);
    }
    int total_weight = 0;
    for (const auto* k : chosen)
        total_weight += k->weight;
    if (total_weight == 0) return;
    const auto begin = steady::now();
    const auto end = begin + duration;
    while (steady::now() < end) {
        int roll = static_cast<int>(rng() % static_cast<std::uint64_t>(total_weight));
        const fault_kind* kind = chosen.front();
        for (const auto* k : chosen) {
            if (roll < k->weight) {
                kind = k;
                break;
            }
            roll -= k->weight;
        }
        const int node = static_cast<int>(rng() % 2);
        auto& n = world.nodes[static_cast<std::size_t>(node)];
        auto& link = kind->link == 0   ? *n.redis_link
                     : kind->link == 1 ? *n.directory_link
                                       : *n.client_link;
        fault_record rec;
        const auto offset = std::chrono::duration_cast<ms>(steady::now() - begin).count();
        rec.what = "at " + std::to_string(offset / 1000) + "." +
                   std::to_string(offset % 1000 / 100) + " s: node " + std::to_string(node) + " " +
                   kind->name;
        rec.node = node;
        rec.start = steady::now();
        const auto hold = kind->apply(link, rng);
        rec.what += " for " + std::to_string(hold.count()) + " ms";
        // The schedule's own timing: how long the network stays broken.
        std::this_thread::sleep_for(hold);
        link.restore();
        rec.end = steady::now();
        rec.loses_shard = kind->can_lose_shard && rec.end - rec.start > readiness_grace + 1s;
        log.push_back(rec);
        // Quiet time between faults; after a long outage, long enough to see the node return.
        const ms quiet =
            rec.loses_shard ? ms(readiness_grace) + pick(rng, 500, 2000) : pick(rng, 300, 2000);
        std::this_thread::sleep_for(quiet);
    }
    for (auto& n : world.nodes) {
        n.redis_link->restore();
        n.directory_link->restore();
        n.client_link->restore();
    }
}

}  // namespace kata::chaos
