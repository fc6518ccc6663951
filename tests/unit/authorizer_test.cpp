#include "core/auth/authorizer.hpp"

#include <gtest/gtest.h>

#include "core/auth/file_directory.hpp"

namespace kata::auth {
namespace {

protocol::channel_name channel(std::string_view text) {
    return *protocol::parse_channel(text);
}

file_directory sample_directory() {
    directory_config c;
    c.specs["s1"] = "t1";
    c.specs["s2"] = "t2";
    c.agents["a1"] = "t1";
    c.agents["a2"] = "t2";
    return file_directory{c};
}

// A backend that is down: every lookup fails.
class failing_directory final : public directory {
  public:
    lookup_result<principal> authenticate_api_key(std::string_view) const override { return {}; }
    lookup_result<principal> authenticate_session(std::string_view) const override { return {}; }
    lookup_result<std::string> team_of_spec(std::string_view) const override {
        return {lookup_status::unavailable, {}};
    }
    lookup_result<std::string> team_of_agent(std::string_view) const override {
        return {lookup_status::unavailable, {}};
    }
};

const principal member{"u1", "t1", scope_subscribe};

TEST(AuthorizeSubscribe, TeamChannelOnlyOwnTeam) {
    const auto dir = sample_directory();
    EXPECT_EQ(authorize_subscribe(dir, member, channel("team:t1")), decision::allowed);
    EXPECT_EQ(authorize_subscribe(dir, member, channel("team:t2")), decision::forbidden);
    EXPECT_EQ(authorize_subscribe(dir, member, channel("team:T1")), decision::forbidden);
}

TEST(AuthorizeSubscribe, SpecChannelThroughDirectory) {
    const auto dir = sample_directory();
    EXPECT_EQ(authorize_subscribe(dir, member, channel("spec:s1")), decision::allowed);
    EXPECT_EQ(authorize_subscribe(dir, member, channel("spec:s2")), decision::forbidden);
}

TEST(AuthorizeSubscribe, AgentChannelThroughDirectory) {
    const auto dir = sample_directory();
    EXPECT_EQ(authorize_subscribe(dir, member, channel("agent:a1")), decision::allowed);
    EXPECT_EQ(authorize_subscribe(dir, member, channel("agent:a2")), decision::forbidden);
}

TEST(AuthorizeSubscribe, UnknownIdIsForbiddenLikeOtherTeam) {
    const auto dir = sample_directory();
    EXPECT_EQ(authorize_subscribe(dir, member, channel("spec:nope")), decision::forbidden);
    EXPECT_EQ(authorize_subscribe(dir, member, channel("agent:nope")), decision::forbidden);
}

TEST(AuthorizeSubscribe, DirectoryDownIsUnavailable) {
    const failing_directory dir;
    EXPECT_EQ(authorize_subscribe(dir, member, channel("spec:s1")), decision::unavailable);
    EXPECT_EQ(authorize_subscribe(dir, member, channel("agent:a1")), decision::unavailable);
    // Team channels need no lookup, so they keep working.
    EXPECT_EQ(authorize_subscribe(dir, member, channel("team:t1")), decision::allowed);
}

TEST(AuthorizePublish, PublishScopeLimitedToOwnTeam) {
    const auto dir = sample_directory();
    const principal bot{"ci-bot", "t1", scope_publish};
    EXPECT_EQ(authorize_publish(dir, bot, channel("team:t1")), decision::allowed);
    EXPECT_EQ(authorize_publish(dir, bot, channel("spec:s1")), decision::allowed);
    EXPECT_EQ(authorize_publish(dir, bot, channel("spec:s2")), decision::forbidden);
    EXPECT_EQ(authorize_publish(dir, bot, channel("agent:nope")), decision::forbidden);
    EXPECT_EQ(authorize_publish(failing_directory{}, bot, channel("spec:s1")),
              decision::unavailable);
}

TEST(AuthorizePublish, PublishAnyReachesEveryChannel) {
    const principal ops{"ops", "t9", scope_publish_any};
    EXPECT_EQ(authorize_publish(sample_directory(), ops, channel("spec:s2")), decision::allowed);
    EXPECT_EQ(authorize_publish(sample_directory(), ops, channel("team:t1")), decision::allowed);
    EXPECT_EQ(authorize_publish(sample_directory(), ops, channel("agent:nope")), decision::allowed);
    // No lookup is needed, so a directory outage does not block it.
    EXPECT_EQ(authorize_publish(failing_directory{}, ops, channel("spec:s1")), decision::allowed);
}

TEST(AuthorizePublish, SubscribeScopeAloneCannotPublish) {
    EXPECT_EQ(authorize_publish(sample_directory(), member, channel("team:t1")),
              decision::forbidden);
}

}  // namespace
}  // namespace kata::auth
