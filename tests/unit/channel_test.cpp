#include "core/protocol/channel.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kata::protocol {
namespace {

TEST(Channel, AcceptsEveryFamily) {
    const auto spec = parse_channel("spec:7");
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->family, channel_family::spec);
    EXPECT_EQ(spec->id, "7");

    const auto agent = parse_channel("agent:a-1");
    ASSERT_TRUE(agent);
    EXPECT_EQ(agent->family, channel_family::agent);
    EXPECT_EQ(agent->id, "a-1");

    const auto team = parse_channel("team:T_1.x");
    ASSERT_TRUE(team);
    EXPECT_EQ(team->family, channel_family::team);
    EXPECT_EQ(team->id, "T_1.x");
}

TEST(Channel, StrRoundTrips) {
    for (const char* text : {"spec:7", "agent:abc", "team:t1", "spec:A.b_c-9"}) {
        const auto channel = parse_channel(text);
        ASSERT_TRUE(channel) << text;
        EXPECT_EQ(channel->str(), text);
    }
}

TEST(Channel, IdOf128CharsAcceptedAnd129Refused) {
    EXPECT_TRUE(parse_channel("spec:" + std::string(128, 'a')));
    EXPECT_FALSE(parse_channel("spec:" + std::string(129, 'a')));
}

TEST(Channel, RefusesEmptyIdAndMissingColon) {
    EXPECT_FALSE(parse_channel("spec:"));
    EXPECT_FALSE(parse_channel("spec"));
    EXPECT_FALSE(parse_channel(""));
    EXPECT_FALSE(parse_channel(":7"));
}

TEST(Channel, RefusesUnknownOrUppercasePrefix) {
    EXPECT_FALSE(parse_channel("Spec:7"));
    EXPECT_FALSE(parse_channel("TEAM:t1"));
    EXPECT_FALSE(parse_channel("user:7"));
    EXPECT_FALSE(parse_channel(" spec:7"));
}

TEST(Channel, RefusesCharactersOutsideTheGrammar) {
    for (const char* text : {"spec:a b", "spec:a/b", "spec:a:b", "spec:é", "spec:a*", "spec:7\n",
                             "agent:a%20", "team:t1;"}) {
        EXPECT_FALSE(parse_channel(text)) << text;
    }
    EXPECT_FALSE(parse_channel(std::string("spec:a\0b", 8)));
}

}  // namespace
}  // namespace kata::protocol
