#include "core/client/subscription_set.hpp"

#include <gtest/gtest.h>

#include "core/client/dedupe_window.hpp"

namespace kata::client {
namespace {

protocol::channel_name channel(std::string_view text) {
    return *protocol::parse_channel(text);
}

protocol::envelope event(std::string channel, std::string id) {
    return protocol::envelope{"log_entry", std::move(channel), "t", std::move(id), "{}"};
}

std::shared_ptr<event_handler> handler() {
    return std::make_shared<event_handler>();
}

TEST(SubscriptionSet, FirstSubscribeCarriesNoSince) {
    subscription_set subs{16};
    EXPECT_TRUE(subs.add(channel("spec:7"), handler()));
    const auto cmd = subs.subscribe_command("spec:7");
    ASSERT_TRUE(cmd);
    EXPECT_EQ(cmd->type, protocol::command_type::subscribe);
    EXPECT_EQ(cmd->channel, channel("spec:7"));
    EXPECT_FALSE(cmd->since);
}

TEST(SubscriptionSet, SubscribingAgainOnlyReplacesTheHandler) {
    subscription_set subs{16};
    const auto first = handler();
    const auto second = handler();
    EXPECT_TRUE(subs.add(channel("spec:7"), first));
    EXPECT_FALSE(subs.add(channel("spec:7"), second));
    EXPECT_EQ(subs.route(event("spec:7", "e1")), second);
}

TEST(SubscriptionSet, ResubscribesEveryChannelSinceItsLastEvent) {
    subscription_set subs{16};
    subs.add(channel("spec:7"), handler());
    subs.add(channel("agent:1"), handler());
    subs.route(event("spec:7", "e1"));
    subs.route(event("spec:7", "e2"));
    const auto cmds = subs.resubscribe_commands();
    ASSERT_EQ(cmds.size(), 2u);
    for (const auto& cmd : cmds) {
        if (cmd.channel == channel("spec:7")) {
            EXPECT_EQ(cmd.since, "e2");
        } else {
            EXPECT_EQ(cmd.channel, channel("agent:1"));
            EXPECT_FALSE(cmd.since);
        }
    }
}

TEST(SubscriptionSet, DropsAnEventIdAlreadyDelivered) {
    subscription_set subs{16};
    subs.add(channel("spec:7"), handler());
    EXPECT_TRUE(subs.route(event("spec:7", "e1")));
    EXPECT_TRUE(subs.route(event("spec:7", "e2")));
    EXPECT_FALSE(subs.route(event("spec:7", "e1")));  // a replay after resubscribe
    EXPECT_EQ(subs.subscribe_command("spec:7")->since, "e2");
}

TEST(SubscriptionSet, IgnoresChannelsNotWanted) {
    subscription_set subs{16};
    subs.add(channel("spec:7"), handler());
    EXPECT_FALSE(subs.route(event("spec:8", "e1")));
    EXPECT_FALSE(subs.route(protocol::envelope{"log_entry", std::nullopt, "t", "e1", "{}"}));
}

TEST(SubscriptionSet, UnsubscribeForgetsTheResumePosition) {
    subscription_set subs{16};
    subs.add(channel("spec:7"), handler());
    subs.route(event("spec:7", "e1"));
    EXPECT_TRUE(subs.remove(channel("spec:7")));
    EXPECT_FALSE(subs.remove(channel("spec:7")));
    EXPECT_FALSE(subs.route(event("spec:7", "e2")));
    EXPECT_TRUE(subs.resubscribe_commands().empty());
    subs.add(channel("spec:7"), handler());
    EXPECT_FALSE(subs.subscribe_command("spec:7")->since);
}

TEST(DedupeWindow, RemembersOnlyTheLastCapacityIds) {
    dedupe_window seen{3};
    EXPECT_TRUE(seen.insert("a"));
    EXPECT_TRUE(seen.insert("b"));
    EXPECT_TRUE(seen.insert("c"));
    EXPECT_FALSE(seen.insert("a"));
    EXPECT_TRUE(seen.insert("d"));  // evicts a
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_TRUE(seen.insert("a"));  // forgotten, so new again (evicts b)
    EXPECT_FALSE(seen.insert("c"));
    EXPECT_TRUE(seen.insert("b"));
}

TEST(DedupeWindow, StaysBoundedUnderManyIds) {
    dedupe_window seen{100};
    for (int i = 0; i < 10000; ++i)
        seen.insert("e" + std::to_string(i));
    EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace kata::client
