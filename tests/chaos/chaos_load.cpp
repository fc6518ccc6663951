#include "tests/chaos/chaos_load.hpp"

#include <random>
#include <set>
#include <sstream>

#include "tests/e2e/http_directory_support.hpp"
#include "tests/e2e/server_support.hpp"

namespace kata::chaos {

using e2e::json;
using namespace std::chrono_literals;

namespace {
constexpr int subscribers_per_node = 3;  // the last one reaches its node through a flaky link
constexpr auto subscribe_patience = 5s;  // a subscribe unanswered this long is worth a note

std::chrono::milliseconds between(std::mt19937_64& rng, int lo, int hi) {
    return std::chrono::milliseconds(lo + static_cast<int>(rng() % (hi - lo + 1)));
}

timeline_entry marker(timeline_entry::kind_t kind, steady::time_point at) {
    timeline_entry e;
    e.kind = kind;
    e.at = at;
    return e;
}
}  // namespace

struct chaos_load::subscriber_state {
    int node = 0;
    bool via_link = false;
    std::map<std::string, std::string> last_id;  // the subscriber's thread only
    std::map<std::string, int> last_n;           // under mutex_
    std::set<std::string> granted;               // under mutex_: granted at least once
};

chaos_load::chaos_load(chaos_world& world, std::uint64_t seed)
    : world_(world), seed_(seed), next_n_(channels.size(), 0) {
    for (int node = 0; node < 2; ++node) {
        for (int i = 0; i < subscribers_per_node; ++i) {
            auto st = std::make_unique<subscriber_state>();
            st->node = node;
            st->via_link = i == subscribers_per_node - 1;
            subscriber_record rec;
            rec.node = node;
            rec.name = "node" + std::to_string(node) + (st->via_link ? "-flaky" : "-direct") +
                       std::to_string(i);
            subscribers.push_back(std::move(rec));
            subs_.push_back(std::move(st));
        }
    }
}

chaos_load::~chaos_load() {
    stop_all();
}

void chaos_load::add_breach(std::string what) {
    std::lock_guard lock(mutex_);
    breaches.push_back({std::move(what), steady::now()});
}

bool chaos_load::start_subscribers(std::chrono::milliseconds timeout) {
    for (std::size_t i = 0; i < subs_.size(); ++i)
        others_.emplace_back([this, i] { subscriber_loop(i); });
    return e2e::eventually(
        [&] {
            std::lock_guard lock(mutex_);
            for (const auto& s : subs_)
                if (s->granted.size() < channels.size()) return false;
            return true;
        },
        timeout);
}

void chaos_load::start_traffic() {
    publishing_.store(true);
    for (std::size_t c = 0; c < channels.size(); ++c)
        publishers_.emplace_back([this, c] { publisher_loop(c, seed_ + 1 + c); });
    others_.emplace_back([this] { intruder_loop(seed_ + 50); });
    others_.emplace_back([this] { readiness_loop(); });
}

void chaos_load::stop_publishers() {
    publishing_.store(false);
    for (auto& t : publishers_)
        if (t.joinable()) t.join();
    publishers_.clear();
}

void chaos_load::stop_all() {
    stop_publishers();
    running_.store(false);
    for (auto& t : others_)
        if (t.joinable()) t.join();
    others_.clear();
}

publish_attempt chaos_load::publish_once(int node, const std::string& channel,
                                         const std::vector<int>& ns) {
    publish_attempt a;
    a.node = node;
    a.channel = channel;
    a.ns = ns;
    json events = json::array();
    for (const int n : ns)
        events.push_back({{"channel", channel}, {"type", "log_entry"}, {"payload", {{"n", n}}}});
    a.start = steady::now();
    const auto res = e2e::publish(world_.nodes[static_cast<std::size_t>(node)].port, publisher_key,
                                  {{"events", events}});
    a.end = steady::now();
    a.status = res.status;
    a.ids.assign(ns.size(), "");
    a.refused.assign(ns.size(), false);
    const auto& body = res.body;
    if (res.status == 200 && body.is_object() && body.contains("eventIds")) {
        for (std::size_t i = 0; i < ns.size() && i < body["eventIds"].size(); ++i)
            a.ids[i] = body["eventIds"][i].get<std::string>();
    } else if (res.status == 503 && body.is_object() && body.contains("events")) {
        for (std::size_t i = 0; i < ns.size() && i < body["events"].size(); ++i) {
            const auto& e = body["events"][i];
            if (e.value("stored", false)) {
                a.ids[i] = e.value("eventId", "");
            } else {
                a.refused[i] = true;
            }
        }
    } else if (res.status != 0) {
        a.refused.assign(ns.size(), true);  // checked as a whole first: nothing was published
    }
    return a;
}

void chaos_load::publisher_loop(std::size_t c, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (publishing_.load()) {
        const int node = static_cast<int>(rng() % 2);
        const int count = 1 + static_cast<int>(rng() % 3);
        std::vector<int> ns;
        {
            std::lock_guard lock(mutex_);
            for (int i = 0; i < count; ++i)
                ns.push_back(next_n_[c]++);
        }
        auto a = publish_once(node, channels[c], ns);
        if (a.status == 200 && std::any_of(a.ids.begin(), a.ids.end(),
                                           [](const std::string& id) { return id.empty(); })) {
            add_breach("publish answered 200 without an eventId for every event on " + channels[c]);
        }
        {
            std::lock_guard lock(mutex_);
            attempts.push_back(std::move(a));
        }
        std::this_thread::sleep_for(between(rng, 15, 45));  // pacing the load, not a wait
    }
}

bool chaos_load::finish(std::chrono::milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    std::vector<int> last(channels.size(), -1);
    for (std::size_t c = 0; c < channels.size(); ++c) {
        for (int tries = 0; last[c] < 0 && steady::now() < deadline; ++tries) {
            int n = 0;
            {
                std::lock_guard lock(mutex_);
                n = next_n_[c]++;
            }
            auto a = publish_once(tries % 2, channels[c], {n});
            if (a.status == 200) last[c] = n;
            std::lock_guard lock(mutex_);
            attempts.push_back(std::move(a));
        }
        if (last[c] < 0) return false;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    return e2e::eventually(
        [&] {
            std::lock_guard lock(mutex_);
            for (const auto& s : subs_)
                for (std::size_t c = 0; c < channels.size(); ++c)
                    if (s->last_n[channels[c]] < last[c]) return false;
            return true;
        },
        std::max(left, std::chrono::milliseconds(1)));
}

std::string chaos_load::describe_progress() const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    for (std::size_t i = 0; i < subs_.size(); ++i) {
        out << "  " << subscribers[i].name << ":";
        for (std::size_t c = 0; c < channels.size(); ++c)
            out << " " << channels[c] << " last n " << subs_[i]->last_n[channels[c]] << "/"
                << next_n_[c] - 1;
        out << "\n";
    }
    return out.str();
}

void chaos_load::subscriber_loop(std::size_t index) {
    auto& st = *subs_[index];
    auto& rec = subscribers[index];
    std::mt19937_64 rng(seed_ + 100 + index);
    auto& node = world_.nodes[static_cast<std::size_t>(st.node)];
    auto note = [&](std::string what) {
        std::lock_guard lock(mutex_);
        rec.oddities.push_back(std::move(what));
    };
    while (running_.load()) {
        e2e::ws_peer peer;
        const auto asked = steady::now();
        if (!peer.connect(st.via_link ? node.client_link->port() : node.port,
                          e2e::bearer(subscriber_key))) {
            std::this_thread::sleep_for(between(rng, 50, 250));  // a client's reconnect backoff
            continue;
        }
        bool admitted = false;
        std::map<std::string, steady::time_point> due;   // channel -> when to subscribe
        std::map<std::string, steady::time_point> sent;  // channel -> subscribe awaiting answer
        std::set<std::string> fresh;                     // subscribes sent without `since`
        for (const auto& c : channels)
            due[c] = steady::now();
        due[forbidden_channel] = steady::now() + between(rng, 200, 1000);
        while (running_.load()) {
            const auto now = steady::now();
            for (auto it = due.begin(); it != due.end();) {
                if (it->second > now) {
                    ++it;
                    continue;
                }
                json cmd{{"type", "subscribe"}, {"channel", it->first}, {"requestId", it->first}};
                const auto last = st.last_id.find(it->first);
                if (last != st.last_id.end()) {
                    cmd["since"] = last->second;
                } else {
                    fresh.insert(it->first);
                }
                peer.send(cmd);
                sent[it->first] = now;
                it = due.erase(it);
            }
            for (auto& [c, at] : sent) {
                if (now - at > subscribe_patience) {
                    note("subscribe to " + c + " unanswered for 5 s");
                    at = now;
                }
            }
            const auto frame = peer.next(50ms);
            if (!frame) {
                if (peer.closed()) break;
                continue;
            }
            const auto at = steady::now();
            if (!admitted) {
                admitted = true;
                std::lock_guard lock(mutex_);
                rec.admitted.emplace_back(asked, at);
            }
            const auto& f = *frame;
            const std::string type = f.is_object() ? f.value("type", "") : "";
            const std::string channel = f.is_object() ? f.value("channel", "") : "";
            const auto payload = f.is_object() && f.contains("payload") ? f["payload"] : json{};
            const std::string rid = payload.is_object() ? payload.value("requestId", "") : "";
            if (type == "log_entry") {
                timeline_entry e;
                e.kind = timeline_entry::event;
                e.n = payload.value("n", -1);
                e.id = f.value("eventId", "");
                e.at = at;
                st.last_id[channel] = e.id;
                std::lock_guard lock(mutex_);
                st.last_n[channel] = std::max(st.last_n[channel], e.n);
                rec.timeline[channel].push_back(std::move(e));
            } else if (type == "subscribed") {
                if (channel == forbidden_channel) {
                    add_breach(rec.name + ": subscribe to " + channel +
                               " (owned by another team) granted");
                    continue;
                }
                const bool unrecovered =
                    payload.is_object() && payload.contains("recovered") && !payload["recovered"];
                std::lock_guard lock(mutex_);
                auto& line = rec.timeline[channel];
                if (rid == channel && fresh.erase(channel))
                    line.push_back(marker(timeline_entry::fresh, at));
                if (unrecovered) line.push_back(marker(timeline_entry::told, at));
                if (rid == channel) {
                    auto g = marker(timeline_entry::granted, at);
                    g.asked = sent.count(channel) ? sent[channel] : asked;
                    line.push_back(g);
                    sent.erase(channel);
                    st.granted.insert(channel);
                }
            } else if (type == "error") {
                const std::string code = payload.value("code", "");
                const std::string on = rid.empty() ? channel : rid;
                sent.erase(on);
                fresh.erase(on);
                if (on == forbidden_channel) {
                    if (code != "forbidden" && code != "authorization_unavailable" &&
                        code != "rate_limited") {
                        note("probe of " + on + " answered " + code);
                    }
                    due[on] = at + between(rng, 300, 1500);
                } else if (!on.empty()) {
                    if (code != "broker_unavailable" && code != "authorization_unavailable") {
                        note("subscribe to " + on + " answered " + code);
                    }
                    due[on] = at + between(rng, 100, 400);
                } else {
                    note("error without a channel: " + code);
                }
            } else if (type == "unsubscribed") {
                note("server unsubscribed " + channel);
                due[channel] = at;
            } else if (type != "pong") {
                note("unexpected frame: " + peer.last_text());
            }
        }
        {
            std::lock_guard lock(mutex_);
            ++rec.closes[peer.closed() ? peer.close_code() : 0];
        }
        if (running_.load()) std::this_thread::sleep_for(between(rng, 50, 250));  // backoff
    }
}

void chaos_load::intruder_loop(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (std::uint64_t round = 0; running_.load(); ++round) {
        const int i = static_cast<int>(round % 2);
        const auto port = world_.nodes[static_cast<std::size_t>(i)].port;
        const std::string where = " on node " + std::to_string(i);
        if (round % 3 == 0) {
            e2e::ws_peer peer;
            if (peer.connect(port, e2e::bearer(intruder_key))) {
                peer.send({{"type", "subscribe"}, {"channel", channels[0]}, {"requestId", "x"}});
                if (const auto frame = peer.next(3s)) {
                    add_breach("a connection with an unknown key was admitted" + where + ": " +
                               peer.last_text());
                }
            }
        } else {
            const json event{
                {"channel", intruder_channel}, {"type", "log_entry"}, {"payload", {{"n", -1}}}};
            const bool unknown = round % 3 == 1;
            const auto res = e2e::publish(port, unknown ? intruder_key : subscriber_key, event);
            if (res.status == 200) {
                add_breach(std::string("a publish with ") +
                           (unknown ? "an unknown key" : "a key without a publish scope") +
                           " was accepted" + where + ": " + res.text);
            }
        }
        std::this_thread::sleep_for(between(rng, 40, 120));  // pacing, not a wait
    }
}

void chaos_load::readiness_loop() {
    while (running_.load()) {
        for (int i = 0; i < 2; ++i) {
            const auto status =
                e2e::http_request(world_.nodes[static_cast<std::size_t>(i)].port, "GET", "/readyz")
                    .status;
            std::lock_guard lock(mutex_);
            readiness.push_back({i, steady::now(), status});
        }
        std::this_thread::sleep_for(100ms);  // the probe's period
    }
}

}  // namespace kata::chaos
