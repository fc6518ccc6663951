// PROTOCOL.md "Resume (history)" with the real client: a subscriber whose network drops for 2 s
// while events are published gets the gap replayed once, in order, after it reconnects by itself;
// when the gap does not fit in history it is told `recovered: false` and gets no replay.
#include <set>
#include <string>
#include <utility>

#include "tests/e2e/client_support.hpp"
#include "tests/e2e/tcp_relay.hpp"

namespace kata::client::testing {
namespace {

using e2e::tcp_relay;

constexpr int missed = 100;            // events published while the relay is cut
constexpr auto cut_duration = 2000ms;  // the scenario's own length, not a synchronisation

std::string seq_payload(int seq) {
    return R"({"seq":)" + std::to_string(seq) + "}";
}

// A server, a relay in front of it and one client subscribed to `name` through the relay.
class resume_scenario {
  public:
    resume_scenario(const std::string& name, std::size_t history_size)
        : channel_name(name), server_(start_with_history(history_size)), relay_(server_->port()) {
        auto opts = options_for(relay_.port());
        opts.min_delay = 20ms;  // reconnect promptly once the relay is restored
        opts.max_delay = 100ms;
        client_ = std::make_unique<reconnecting_client>(thread_.io, opts, rec.callbacks());
        client_->subscribe(channel(channel_name), rec.handler());
        client_->start();
    }
    ~resume_scenario() { client_.reset(); }  // before the recorder its callbacks write to

    void publish(int seq) {
        server_->hub().publish(channel(channel_name), "log_entry", seq_payload(seq));
    }

    // Cuts the relay for cut_duration while events [from, to) are published, paced over the cut,
    // then restores it.
    void publish_during_cut(int from, int to) {
        relay_.cut();
        const auto start = std::chrono::steady_clock::now();
        for (int seq = from; seq < to; ++seq) {
            publish(seq);
            std::this_thread::sleep_until(start + cut_duration * (seq - from + 1) / (to - from));
        }
        relay_.restore();
    }

    const std::string channel_name;
    recorder rec;

  private:
    static std::unique_ptr<server::server> start_with_history(std::size_t history_size) {
        auto cfg = test_config(0);
        cfg.history.size = history_size;
        return start_server(std::move(cfg));
    }

    std::unique_ptr<server::server> server_;
    tcp_relay relay_;
    client_thread thread_;
    std::unique_ptr<reconnecting_client> client_;
};

class ClientResume : public ::testing::TestWithParam<std::string> {};

TEST_P(ClientResume, AllEventsMissedDuringACutArriveOnceInOrder) {
    resume_scenario s(GetParam(), 1000);
    auto& rec = s.rec;
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() == 1; }));
    s.publish(0);  // gives the client an eventId to resume from
    ASSERT_TRUE(rec.wait_for([&] { return rec.events.size() == 1; }));

    s.publish_during_cut(1, 1 + missed);
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() >= 2; }))
        << "the client did not resubscribe after the relay was restored";
    ASSERT_TRUE(rec.wait_for([&] { return rec.events.size() >= 1 + missed; }));
    s.publish(1 + missed);  // a live event after the replay
    ASSERT_TRUE(rec.wait_for([&] { return rec.events.size() >= 2 + missed; }));

    std::lock_guard lock(rec.mutex);
    EXPECT_FALSE(rec.reconnects.empty());
    ASSERT_EQ(rec.subscribed.size(), 2u);
    EXPECT_EQ(rec.subscribed[0], std::make_pair(s.channel_name, std::optional<bool>{}));
    EXPECT_EQ(rec.subscribed[1], std::make_pair(s.channel_name, std::optional<bool>{true}));
    ASSERT_EQ(rec.events.size(), 2u + missed) << "each event exactly once";
    std::set<std::string> ids;
    for (int seq = 0; seq < 2 + missed; ++seq) {
        const auto& env = rec.events[seq];
        ASSERT_EQ(env.payload_json, seq_payload(seq)) << "in publish order";
        EXPECT_EQ(env.channel, s.channel_name);
        EXPECT_TRUE(ids.insert(env.event_id).second) << "duplicate eventId " << env.event_id;
    }
}

TEST_P(ClientResume, AGapLargerThanHistoryIsReportedNotRecoveredAndNotReplayed) {
    resume_scenario s(GetParam(), 10);  // smaller than the 100 missed events
    auto& rec = s.rec;
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() == 1; }));
    s.publish(0);
    ASSERT_TRUE(rec.wait_for([&] { return rec.events.size() == 1; }));

    s.publish_during_cut(1, 1 + missed);
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() >= 2; }))
        << "the client did not resubscribe after the relay was restored";
    s.publish(1 + missed);  // live: the only event after the resubscribe
    ASSERT_TRUE(rec.wait_for([&] { return rec.events.size() >= 2; }));

    std::lock_guard lock(rec.mutex);
    ASSERT_EQ(rec.subscribed.size(), 2u);
    EXPECT_EQ(rec.subscribed[1], std::make_pair(s.channel_name, std::optional<bool>{false}));
    ASSERT_EQ(rec.events.size(), 2u) << "no missed event is replayed";
    EXPECT_EQ(rec.events[0].payload_json, seq_payload(0));
    EXPECT_EQ(rec.events[1].payload_json, seq_payload(1 + missed));
}

INSTANTIATE_TEST_SUITE_P(ClientResume, ClientResume,
                         ::testing::Values("team:t1", "spec:s1", "agent:a1"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             return info.param.substr(0, info.param.find(':'));
                         });

}  // namespace
}  // namespace kata::client::testing
