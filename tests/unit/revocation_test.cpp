#include "core/client/revocation.hpp"

#include <gtest/gtest.h>

#include "core/client/subscription_set.hpp"

namespace kata::client {
namespace {

protocol::envelope unsubscribed(std::string payload) {
    protocol::envelope env;
    env.type = "unsubscribed";
    env.channel = "spec:1";
    env.timestamp = "2026-11-26T00:00:00.000Z";
    env.event_id = "ctl_1";
    env.payload_json = std::move(payload);
    return env;
}

TEST(Revocation, ServerSentRevocationNamesItsChannel) {
    EXPECT_EQ(revoked_channel(unsubscribed(R"({"reason":"revoked"})")), "spec:1");
}

TEST(Revocation, OtherEnvelopesAreNotRevocations) {
    EXPECT_FALSE(revoked_channel(unsubscribed(R"({"requestId":"r2"})")));  // our own unsubscribe
    EXPECT_FALSE(revoked_channel(unsubscribed("{}")));
    EXPECT_FALSE(revoked_channel(unsubscribed(R"({"reason":"other"})")));
    EXPECT_FALSE(revoked_channel(unsubscribed(R"({"reason":1})")));
    auto no_channel = unsubscribed(R"({"reason":"revoked"})");
    no_channel.channel.reset();
    EXPECT_FALSE(revoked_channel(no_channel));
    auto event = unsubscribed(R"({"reason":"revoked"})");
    event.type = "log_entry";
    EXPECT_FALSE(revoked_channel(event));
}

TEST(Revocation, RevokedChannelLeavesTheResubscribeList) {
    subscription_set subs(16);
    const auto one = *protocol::parse_channel("spec:1");
    const auto two = *protocol::parse_channel("spec:2");
    subs.add(one, std::make_shared<event_handler>());
    subs.add(two, std::make_shared<event_handler>());
    ASSERT_TRUE(subs.remove(
        *protocol::parse_channel(*revoked_channel(unsubscribed(R"({"reason":"revoked"})")))));
    const auto commands = subs.resubscribe_commands();
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].channel, two);
}

}  // namespace
}  // namespace kata::client
