#include "tests/chaos/chaos_check.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "core/auth/digest.hpp"
#include "core/protocol/event_id.hpp"
#include "tests/chaos/chaos_faults.hpp"

namespace kata::chaos {

namespace {

using namespace std::chrono_literals;

// A lookup may be answered a little before the request that uses it is sent: an identical
// lookup already in flight is shared, and the answer may be held by a slow link.
constexpr auto answer_slack = 1500ms;

struct published {
    int status = 0;
    bool refused = false;  // the answer says it was not stored
    std::string id;        // as acknowledged ("" when not known)
    steady::time_point start, end;
    int node = 0;
};

// channel -> n -> what its publisher learnt.
std::map<std::string, std::map<int, published>> by_channel(
    const std::vector<publish_attempt>& attempts) {
    std::map<std::string, std::map<int, published>> out;
    for (const auto& a : attempts) {
        for (std::size_t i = 0; i < a.ns.size(); ++i)
            out[a.channel][a.ns[i]] = {a.status, a.refused[i], a.ids[i], a.start, a.end, a.node};
    }
    return out;
}

std::string ranges(const std::vector<int>& ns) {
    std::string out;
    for (std::size_t i = 0; i < ns.size();) {
        std::size_t j = i;
        while (j + 1 < ns.size() && ns[j + 1] == ns[j] + 1)
            ++j;
        if (!out.empty()) out += ",";
        out += std::to_string(ns[i]);
        if (j > i) out += "-" + std::to_string(ns[j]);
        i = j + 1;
        if (out.size() > 300) return out + ",...";
    }
    return out;
}

double seconds(steady::duration d) {
    return std::chrono::duration<double>(d).count();
}

// Where a lost event went and what its subscriber got around it: enough to line it up with the
// faults printed after the violations.
std::string describe(int n, const published& p, const std::vector<timeline_entry>& line,
                     std::optional<std::size_t> before, std::size_t next,
                     steady::time_point epoch) {
    std::string out = "n " + std::to_string(n) + " went to node " + std::to_string(p.node) +
                      " at " + std::to_string(seconds(p.start - epoch)) + " s, answered " +
                      std::to_string(p.status) + " after " +
                      std::to_string(seconds(p.end - p.start)) + " s as " + p.id;
    const auto show = [&](const timeline_entry& e) {
        return "n " + std::to_string(e.n) + " (" + e.id + ") at " +
               std::to_string(seconds(e.at - epoch)) + " s";
    };
    if (before) out += "; got before it " + show(line[*before]);
    out += ", after it " + show(line[next]);
    return out;
}

// The stretch of a timeline where a lost event belonged: after the last event delivered that
// was stored before it, up to the first delivered that was stored after it. Stored order (the
// id's sequence), not the publisher's n: an event whose publish timed out may be stored, and
// delivered, after events published behind it. nullopt: nothing stored after it was delivered.
struct stretch {
    std::optional<std::size_t> before;  // last event stored before the lost one
    std::size_t next = 0;               // first event stored after it
};
std::optional<stretch> where_lost(const std::vector<timeline_entry>& line,
                                  const protocol::event_id& lost) {
    std::optional<std::size_t> before;
    for (std::size_t p = 0; p < line.size(); ++p) {
        if (line[p].kind != timeline_entry::event) continue;
        const auto id = protocol::parse_event_id(line[p].id);
        if (id && id->epoch == lost.epoch && id->sequence < lost.sequence) before = p;
    }
    for (std::size_t p = before ? *before + 1 : 0; p < line.size(); ++p) {
        if (line[p].kind != timeline_entry::event) continue;
        const auto id = protocol::parse_event_id(line[p].id);
        // Another epoch after this one's events: Redis lost the channel's state in between.
        if (!id || id->epoch != lost.epoch || id->sequence > lost.sequence)
            return stretch{before, p};
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> check_delivery(const std::vector<publish_attempt>& attempts,
                                        const std::vector<subscriber_record>& subscribers) {
    std::vector<std::string> out;
    const auto events = by_channel(attempts);
    steady::time_point epoch = steady::time_point::max();
    for (const auto& a : attempts)
        epoch = std::min(epoch, a.start);
    for (const auto& sub : subscribers) {
        for (const auto& channel : channels) {
            const auto line_it = sub.timeline.find(channel);
            const std::string who = sub.name + " on " + channel + ": ";
            if (line_it == sub.timeline.end()) {
                out.push_back(who + "never subscribed");
                continue;
            }
            const auto& line = line_it->second;
            const auto known_it = events.find(channel);
            static const std::map<int, published> none;
            const auto& known = known_it == events.end() ? none : known_it->second;
            // Position of each received n, and markers (told, fresh) counted up to a position.
            std::map<int, std::size_t> pos;
            std::vector<int> markers(line.size() + 1, 0);
            std::optional<steady::time_point> first_grant;
            int highest = -1;
            std::vector<int> unknown, refused, duplicates, reordered;
            for (std::size_t p = 0; p < line.size(); ++p) {
                const auto& e = line[p];
                markers[p + 1] = markers[p];
                if (e.kind == timeline_entry::told || e.kind == timeline_entry::fresh) {
                    ++markers[p + 1];
                    continue;
                }
                if (e.kind == timeline_entry::granted) {
                    if (!first_grant) first_grant = e.at;
                    continue;
                }
                const auto k = known.find(e.n);
                if (k == known.end()) {
                    unknown.push_back(e.n);
                } else if (k->second.status != 200 && k->second.status != 503 &&
                           k->second.status != 0) {
                    refused.push_back(e.n);
                } else if (!k->second.id.empty() && k->second.id != e.id) {
                    out.push_back(who + "delivered n " + std::to_string(e.n) + " as " + e.id +
                                  ", acknowledged as " + k->second.id);
                }
                if (pos.count(e.n)) {
                    duplicates.push_back(e.n);
                    continue;
                }
                pos[e.n] = p;
                // Order is promised for acknowledged events. One whose publish timed out may
                // still be stored by Redis later, with a later sequence (docs/protocol.md: "on
                // the safe side"): it may then come after events published behind it.
                const bool acknowledged =
                    k != known.end() && (k->second.status == 200 || !k->second.id.empty());
                if (!acknowledged) continue;
                if (e.n < highest) {
                    if (reordered.empty())
                        out.push_back(who + "reordered: first n " + std::to_string(e.n) + " (" +
                                      e.id + ") after n " + std::to_string(highest));
                    reordered.push_back(e.n);
                }
                highest = std::max(highest, e.n);
            }
            if (!unknown.empty())
                out.push_back(who + std::to_string(unknown.size()) +
                              " events delivered that were never published: n " + ranges(unknown));
            if (!refused.empty())
                out.push_back(who + std::to_string(refused.size()) +
                              " events delivered whose publish was refused as a whole: n " +
                              ranges(refused));
            if (!duplicates.empty())
                out.push_back(who + std::to_string(duplicates.size()) +
                              " duplicates delivered: n " + ranges(duplicates));
            if (!reordered.empty())
                out.push_back(who + std::to_string(reordered.size()) +
                              " events delivered after a later one: n " + ranges(reordered));
            if (!first_grant) {
                out.push_back(who + "never granted");
                continue;
            }
            std::vector<int> lost, tail;
            std::optional<std::string> first_lost;
            for (const auto& [n, p] : known) {
                if (p.status != 200 || p.start <= *first_grant || pos.count(n)) continue;
                const auto id = protocol::parse_event_id(p.id);
                const auto at = id ? where_lost(line, *id) : std::nullopt;
                if (!at) {
                    tail.push_back(n);  // nothing stored after it came: no signal can cover it
                    continue;
                }
                const std::size_t from = at->before ? *at->before + 1 : 0;
                if (markers[at->next] - markers[from] != 0) continue;
                lost.push_back(n);
                if (!first_lost) first_lost = describe(n, p, line, at->before, at->next, epoch);
            }
            if (!lost.empty()) {
                out.push_back(who + std::to_string(lost.size()) +
                              " acknowledged events never delivered and the subscriber was not "
                              "told (no recovered:false): n " +
                              ranges(lost) + "; first " + *first_lost);
            }
            if (!tail.empty()) {
                out.push_back(who + std::to_string(tail.size()) +
                              " acknowledged events never delivered after its last event (n " +
                              std::to_string(highest) + "): its subscription never came back: n " +
                              ranges(tail));
            }
        }
    }
    return out;
}

std::vector<std::string> delivery_notes(const std::vector<publish_attempt>& attempts,
                                        const std::vector<subscriber_record>& subscribers) {
    std::vector<std::string> out;
    const auto events = by_channel(attempts);
    std::set<std::pair<std::string, int>> noted;
    for (const auto& sub : subscribers) {
        for (const auto& [channel, line] : sub.timeline) {
            for (const auto& e : line) {
                if (e.kind != timeline_entry::event) continue;
                const auto c = events.find(channel);
                if (c == events.end()) continue;
                const auto k = c->second.find(e.n);
                if (k != c->second.end() && k->second.refused &&
                    noted.insert({channel, e.n}).second)
                    out.push_back(channel + " n " + std::to_string(e.n) +
                                  " was answered stored:false but delivered");
            }
        }
        for (const auto& o : sub.oddities)
            out.push_back(sub.name + ": " + o);
        for (const auto& [code, count] : sub.closes)
            out.push_back(sub.name + ": closed " + std::to_string(count) + "x with " +
                          std::to_string(code));
    }
    return out;
}

std::vector<std::string> check_directory_answers(
    const std::vector<publish_attempt>& attempts, const std::vector<subscriber_record>& subscribers,
    const std::vector<e2e::directory_backend::given_answer>& answers) {
    std::vector<std::string> out;
    // subject -> times of 200 answers that grant what the run's keys need.
    std::map<std::string, std::vector<steady::time_point>> granted;
    for (const auto& a : answers) {
        if (a.sent.status != 200) continue;
        const bool owner = a.target.ends_with("/owner");
        if (owner && a.sent.body.find(R"("team":"t1")") == std::string::npos) continue;
        granted[a.subject].push_back(a.at);
    }
    auto answered_within = [&](const std::string& subject, steady::time_point from,
                               steady::time_point to) {
        const auto it = granted.find(subject);
        if (it == granted.end()) return false;
        const auto lo = std::lower_bound(it->second.begin(), it->second.end(), from - answer_slack);
        return lo != it->second.end() && *lo <= to;
    };
    const auto sub_digest = auth::sha256_hex(subscriber_key);
    const auto pub_digest = auth::sha256_hex(publisher_key);
    for (const auto& sub : subscribers) {
        for (const auto& [asked, at] : sub.admitted) {
            if (!answered_within(sub_digest, asked, at))
                out.push_back(sub.name +
                              ": connection admitted without a 200 authenticate answer "
                              "for its digest");
        }
        for (const auto& [channel, line] : sub.timeline) {
            for (const auto& e : line) {
                if (e.kind == timeline_entry::granted && !answered_within(channel, e.asked, e.at))
                    out.push_back(sub.name + ": subscribe to " + channel +
                                  " granted without an owner answer for it");
            }
        }
    }
    int unbacked_publishes = 0;
    for (const auto& a : attempts) {
        if (a.status != 200) continue;
        if (!answered_within(pub_digest, a.start, a.end) ||
            !answered_within(a.channel, a.start, a.end)) {
            if (++unbacked_publishes <= 10)
                out.push_back("publish to " + a.channel + " (n " + ranges(a.ns) +
                              ") accepted without a 200 authenticate and owner answer");
        }
    }
    return out;
}

std::vector<std::string> check_readiness(const std::vector<readiness_sample>& samples,
                                         const std::vector<fault_record>& faults) {
    std::vector<std::string> out;
    for (const auto& f : faults) {
        if (!f.loses_shard) continue;
        bool down = false, up = false, probed_down = false, probed_up = false;
        for (const auto& s : samples) {
            if (s.node != f.node || s.status == 0) continue;
            if (s.at >= f.start && s.at <= f.start + readiness_grace) {
                probed_down = true;
                down = down || s.status == 503;
            }
            if (s.at >= f.end && s.at <= f.end + readiness_grace) {
                probed_up = true;
                up = up || s.status == 200;
            }
        }
        const auto t = "fault '" + f.what + "'";
        if (!probed_down || !probed_up) {
            out.push_back(t + ": /readyz was not answered around it (probe starved)");
        } else if (!down) {
            out.push_back(t + ": /readyz never said 503 within 3 s of losing the shard");
        } else if (!up) {
            out.push_back(t + ": /readyz never said 200 within 3 s of the shard's return");
        }
    }
    return out;
}

}  // namespace kata::chaos
