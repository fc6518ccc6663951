// What a node's subscribers are told when the node misses events of the broker: cut off from
// Redis while more events were published than a channel's stream holds, they get every event or
// `subscribed {"recovered": false}` before any event after the hole; behind the broker's events
// by more than its backlog bound, the node closes them with 4008 and they resume from the stream.
#include <dirent.h>
#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>

#include "client_support.hpp"
#include "cluster_support.hpp"
#include "run_binary.hpp"
#include "tcp_relay.hpp"

namespace kata::e2e {
namespace {

// A counter or gauge of the node's /metrics (without labels); nullopt when it is not there.
std::optional<double> metric(std::uint16_t port, const std::string& name) {
    const auto res = http_request(port, "GET", "/metrics");
    std::istringstream lines(res.text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    }
    return std::nullopt;
}

// A child process must not inherit this process's sockets (Asio opens them without
// close-on-exec): a relay could not cut a connection whose descriptor the child still holds.
void keep_descriptors_from_children() {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return;
    const int own = dirfd(dir);
    while (const dirent* entry = readdir(dir)) {
        const int fd = std::atoi(entry->d_name);
        if (fd > 2 && fd != own) fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
    }
    closedir(dir);
}

// A reconnecting client that also records how many events it had when each `subscribed` came.
struct recording_client {
    recording_client(client::testing::client_thread& thread, std::uint16_t port,
                     const std::string& channel) {
        auto cb = rec.callbacks();
        cb.subscribed = [this](const std::string& ch, std::optional<bool> recovered) {
            {
                std::lock_guard lock(rec.mutex);
                rec.subscribed.emplace_back(ch, recovered);
                events_at_subscribed.push_back(rec.events.size());
            }
            rec.cv.notify_all();
        };
        auto opts = client::testing::options_for(port, key_t1);
        opts.min_delay = 10ms;
        opts.max_delay = 200ms;
        client = std::make_unique<client::reconnecting_client>(thread.io, opts, cb);
        client->subscribe(*protocol::parse_channel(channel), rec.handler());
        client->start();
    }
    ~recording_client() { client.reset(); }
    // The `seq` of every event received, in order.
    std::vector<int> seqs() {
        std::lock_guard lock(rec.mutex);
        std::vector<int> out;
        for (const auto& e : rec.events)
            out.push_back(json::parse(e.payload_json)["seq"].get<int>());
        return out;
    }

    client::testing::recorder rec;
    std::vector<std::size_t> events_at_subscribed;  // guarded by rec.mutex
    std::unique_ptr<client::reconnecting_client> client;
};

// Reads `peer` until the event with seq `last`: every event must follow the one before it
// unless `subscribed {"recovered": false}` for `channel` came in between. Returns when the
// signal came (nullopt: no gap, every event arrived).
std::optional<std::chrono::steady_clock::time_point> read_through_gap(ws_peer& peer,
                                                                      const std::string& channel,
                                                                      int first, int last) {
    std::optional<std::chrono::steady_clock::time_point> told;
    bool told_since_last_event = false;
    int expect = first;
    for (;;) {
        const auto m = peer.next(15s);
        if (!m) {
            ADD_FAILURE() << "no event " << expect << " (closed: " << peer.close_code() << ")";
            return told;
        }
        if ((*m)["type"] == "subscribed") {
            EXPECT_EQ((*m)["channel"], channel);
            EXPECT_EQ((*m)["payload"]["recovered"], false) << peer.last_text();
            told = std::chrono::steady_clock::now();
            told_since_last_event = true;
            continue;
        }
        const int seq = (*m)["payload"]["seq"].get<int>();
        if (seq != expect) {
            EXPECT_GT(seq, expect) << "an event twice or out of order";
            EXPECT_TRUE(told_since_last_event)
                << "events " << expect << ".." << seq - 1 << " were skipped and nobody was told";
        }
        told_since_last_event = false;
        expect = seq + 1;
        if (seq >= last) return told;
    }
}

TEST(ClusterGap, MoreEventsThanTheStreamHoldsWhileCutOffAreToldBeforeAnyEventAfterThem) {
    redis_process redis;
    tcp_relay path_b(redis.port());  // node B's only way to Redis: cut to cut B alone
    auto cfg_a = cluster_config({redis.url()});
    auto cfg_b = cluster_config({"redis://127.0.0.1:" + std::to_string(path_b.port())});
    cfg_a.history.size = cfg_b.history.size = 50;  // the stream keeps 50 events per channel
    running_server a(cfg_a);
    running_server b(cfg_b);
    wait_ready({a.port(), b.port()});
    const std::string channel = "team:t1";

    ws_peer peer;
    connect_subscribed(peer, b.port(), channel);
    client::testing::client_thread thread;
    recording_client cpp(thread, b.port(), channel);
    // `kata-rt subscribe` stops after the 3 events before the hole and the 50 the stream holds.
    keep_descriptors_from_children();
    auto cli = std::async(std::launch::async, [port = b.port()] {
        return run_binary("subscribe --url ws://127.0.0.1:" + std::to_string(port) +
                          "/v1/ws --api-key " + key_t1 + " --count 53 --timeout 40 team:t1");
    });
    ASSERT_TRUE(eventually([&] { return metric(b.port(), "kata_rt_subscriptions") == 3.0; }, 20s))
        << "the three subscribers never subscribed on B";

    publish_seq(a.port(), channel, 0, 3);
    ASSERT_FALSE(read_through_gap(peer, channel, 0, 2));
    ASSERT_TRUE(cpp.rec.wait_for([&] { return cpp.rec.events.size() == 3; }));

    path_b.cut();
    ASSERT_TRUE(eventually([&] { return http_request(b.port(), "GET", "/readyz").status == 503; }))
        << "B never noticed that it lost Redis";
    publish_seq(a.port(), channel, 3, 203);  // acknowledged: 200 events, the stream keeps 50
    path_b.restore();
    ASSERT_TRUE(
        eventually([&] { return http_request(b.port(), "GET", "/readyz").status == 200; }, 10s));
    const auto back = std::chrono::steady_clock::now();

    const auto told = read_through_gap(peer, channel, 3, 202);
    ASSERT_TRUE(told) << "B can only have delivered what its stream held: 50 of 200";
    EXPECT_LT(*told - back, 2s) << "told too late after B was back";
    EXPECT_FALSE(peer.closed());

    // The C++ client reports it as a resync (subscribed with recovered: false) before the events
    // after the hole, and keeps the subscription.
    ASSERT_TRUE(cpp.rec.wait_for([&] { return cpp.rec.events.size() >= 53; }, 15s));
    {
        std::lock_guard lock(cpp.rec.mutex);
        ASSERT_EQ(cpp.rec.subscribed.size(), 2u);
        EXPECT_EQ(cpp.rec.subscribed[1].first, channel);
        EXPECT_EQ(cpp.rec.subscribed[1].second, std::optional<bool>(false));
        EXPECT_EQ(cpp.events_at_subscribed[1], 3u);
    }
    const auto seqs = cpp.seqs();
    EXPECT_EQ(seqs.back(), 202);

    // And `kata-rt subscribe` warns, then goes on.
    ASSERT_EQ(cli.wait_for(45s), std::future_status::ready);
    const auto out = cli.get();
    EXPECT_EQ(out.exit_code, 0) << out.output;
    EXPECT_NE(out.output.find("warning: team:t1: events may have been missed"), std::string::npos)
        << out.output;
}

TEST(ClusterBacklog, ANodeBehindTheBrokerClosesItsSubscribersWith4008BeforeAnyHole) {
    redis_process redis;
    auto cfg_a = cluster_config({redis.url()});
    auto cfg_b = cluster_config({redis.url()});
    cfg_a.history.size = cfg_b.history.size = 100000;  // the stream holds every event
    cfg_a.history.max_bytes = cfg_b.history.max_bytes = 64u << 20;
    // B may hold at most 1 KiB of the broker's events for its worker; each event is 2 KiB, so
    // as soon as the worker is one event behind, the next one is dropped. Its connections'
    // own queues are large: only the backlog bound can close them.
    cfg_b.limits.max_remote_backlog_bytes = 1024;
    cfg_b.limits.max_queued_bytes = 256u << 20;
    running_server a(cfg_a);
    running_server b(cfg_b);
    wait_ready({a.port(), b.port()});
    const std::string channel = "team:t1";

    ws_peer peer;
    connect_subscribed(peer, b.port(), channel);
    client::testing::client_thread thread;
    recording_client cpp(thread, b.port(), channel);
    ASSERT_TRUE(eventually([&] { return metric(b.port(), "kata_rt_subscriptions") == 2.0; }, 20s));

    constexpr int batches = 10, per_batch = 200, total = batches * per_batch;
    const std::string pad(2048, 'x');
    for (int i = 0; i < batches; ++i) {
        json events = json::array();
        for (int j = 0; j < per_batch; ++j) {
            events.push_back({{"channel", channel},
                              {"type", "log_entry"},
                              {"payload", {{"seq", i * per_batch + j}, {"pad", pad}}}});
        }
        const auto res = publish(a.port(), key_t1, {{"events", events}});
        ASSERT_EQ(res.status, 200) << res.text;
    }

    // The raw peer gets an unbroken run of events and then the slow consumer's close.
    int expect = 0;
    while (const auto m = peer.next(15s)) {
        ASSERT_EQ((*m)["payload"]["seq"], expect) << "a hole without a close";
        ++expect;
    }
    EXPECT_TRUE(peer.closed());
    EXPECT_EQ(peer.close_code(), 4008) << "received " << expect << " of " << total;
    EXPECT_LT(expect, total);
    EXPECT_GE(metric(b.port(), "kata_rt_remote_events_shed_total").value_or(0), 1.0);

    // A resuming client never sees a hole or an event twice, however often it was closed (one
    // closed before its first event resubscribes without `since`, from the live events on).
    // (Read after every publish was answered and the raw peer was read to its close.)
    const auto seqs = cpp.seqs();
    for (std::size_t i = 1; i < seqs.size(); ++i)
        ASSERT_EQ(seqs[i], seqs[i - 1] + 1)
            << "after " << cpp.rec.reconnects.size() << " reconnects";
}

}  // namespace
}  // namespace kata::e2e
