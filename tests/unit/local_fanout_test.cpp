// The replay → live hand-over across threads: a connection joining a channel gets each event
// once, either in its replay (up to the attach point) or live (after it), never both.
#include "core/hub/local_fanout.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/protocol/event_id.hpp"

namespace kata::hub {
namespace {

// Collects what the thread's fanout hands it, by event id.
struct probe final : delivery_target {
    std::vector<std::string> got;
    bool missed = false;
    void push_event(const frame& f) override {
        const auto text = f.bytes();
        const auto at = text.find("\"eventId\":\"");
        got.emplace_back(text.substr(at + 11, text.find('"', at + 11) - at - 11));
    }
    void missed_events() override { missed = true; }
};

// A worker thread whose inbox is drained by the test: events reach it under the channel lock
// and are delivered later, as on a busy thread.
struct queued_thread final : subscriber {
    struct item {
        const channel* ch;
        std::uint64_t sequence;
        frame f;
    };
    std::vector<item> inbox;
    local_fanout fanout;
    void deliver(const channel& ch, std::uint64_t sequence, const frame& f) override {
        inbox.push_back({&ch, sequence, f});
    }
    void drain() {
        for (const auto& e : inbox)
            fanout.deliver(e.ch, e.sequence, e.f);
        inbox.clear();
    }
};

const protocol::channel_name chan{protocol::channel_family::team, "t1"};

TEST(LocalFanout, AConnectionJoiningWhileEventsAreQueuedGetsNoneOfThemTwice) {
    hub h;
    queued_thread thread;
    probe early, late;
    auto first = h.attach(chan, &thread, std::nullopt);
    thread.fanout.add(first.ch, &early, first.after_sequence);
    const auto e1 = h.publish(chan, "log_entry", "{}");
    const auto e2 = h.publish(chan, "log_entry", "{}");
    // `late` resumes from e1 while e2 still waits in the thread's inbox.
    auto second = h.attach(chan, &thread, e1);
    ASSERT_TRUE(second.recovered.value_or(false));
    for (const auto& f : second.replay)
        late.push_event(f);
    thread.fanout.add(second.ch, &late, second.after_sequence);
    const auto e3 = h.publish(chan, "log_entry", "{}");
    thread.drain();
    EXPECT_EQ(early.got, (std::vector<std::string>{e1, e2, e3}));
    EXPECT_EQ(late.got, (std::vector<std::string>{e2, e3}));
}

TEST(LocalFanout, TheLastMemberLeavingReportsTheChannelEmpty) {
    hub h;
    queued_thread thread;
    probe a, b;
    auto att = h.attach(chan, &thread, std::nullopt);
    EXPECT_TRUE(thread.fanout.add(att.ch, &a, att.after_sequence));
    EXPECT_FALSE(thread.fanout.add(att.ch, &b, att.after_sequence));
    EXPECT_EQ(thread.fanout.member_count(att.ch.get()), 2u);
    EXPECT_FALSE(thread.fanout.remove(att.ch.get(), &a));
    EXPECT_TRUE(thread.fanout.remove(att.ch.get(), &b));
    h.detach(*att.ch, &thread);
    h.publish(chan, "log_entry", "{}");
    EXPECT_TRUE(thread.inbox.empty());
}

TEST(LocalFanout, EventsQueuedForAChannelNobodyHoldsAnyMoreAreDropped) {
    hub h;
    queued_thread thread;
    probe a;
    auto att = h.attach(chan, &thread, std::nullopt);
    thread.fanout.add(att.ch, &a, att.after_sequence);
    h.publish(chan, "log_entry", "{}");
    thread.fanout.remove(att.ch.get(), &a);
    thread.drain();
    EXPECT_TRUE(a.got.empty());
}

TEST(LocalFanout, OnlyMembersThatJoinedBeforeADroppedEventAreToldTheyMissedIt) {
    hub h;
    queued_thread thread;
    probe before, after;
    auto first = h.attach(chan, &thread, std::nullopt);
    thread.fanout.add(first.ch, &before, first.after_sequence);
    h.publish(chan, "log_entry", "{}");
    const auto dropped = thread.inbox.back().sequence;  // as if the thread could not take it
    thread.inbox.clear();
    auto second = h.attach(chan, &thread, std::nullopt);
    thread.fanout.add(second.ch, &after, second.after_sequence);
    EXPECT_EQ(thread.fanout.missed(first.ch.get(), dropped), 1u);
    EXPECT_TRUE(before.missed);
    EXPECT_FALSE(after.missed);
}

TEST(HistoryBudget, TheOldestEventsAcrossChannelsGoFirst) {
    hub_settings s;
    s.history = {1000, 1 << 20, std::chrono::milliseconds(60000)};
    s.max_total_history_bytes = 20 * 1024;
    hub h(s);
    const std::string payload = R"({"pad":")" + std::string(900, 'x') + R"("})";
    const protocol::channel_name old_channel{protocol::channel_family::team, "old"};
    const protocol::channel_name new_channel{protocol::channel_family::team, "new"};
    const auto oldest = h.publish(old_channel, "log_entry", payload);
    h.publish(old_channel, "log_entry", payload);
    for (int i = 0; i < 40; ++i)
        h.publish(new_channel, "log_entry", payload);
    EXPECT_LE(h.history_bytes(), s.max_total_history_bytes);
    queued_thread thread;
    // The old channel's two events were the oldest of all: both are gone, so a client that saw
    // only the first cannot be told what it missed.
    EXPECT_FALSE(h.attach(old_channel, &thread, oldest).recovered.value_or(true));
}

}  // namespace
}  // namespace kata::hub
