#include "core/auth/file_directory.hpp"

#include <gtest/gtest.h>

#include "core/auth/digest.hpp"

namespace kata::auth {
namespace {

directory_config sample() {
    directory_config c;
    c.api_keys.push_back({"ci-bot", sha256_hex("key-1"), "t1", scope_subscribe | scope_publish});
    c.api_keys.push_back({"ops", sha256_hex("key-2"), "t2", scope_publish_any});
    c.sessions.push_back({sha256_hex("tok-1"), "u1", "t1"});
    c.specs["s1"] = "t1";
    c.agents["a1"] = "t2";
    return c;
}

TEST(FileDirectory, ApiKeyFound) {
    const file_directory dir{sample()};
    const auto r = dir.authenticate_api_key("key-2");
    ASSERT_EQ(r.status, lookup_status::found);
    EXPECT_EQ(r.value.id, "ops");
    EXPECT_EQ(r.value.team, "t2");
    EXPECT_EQ(r.value.scopes, scope_publish_any);
}

TEST(FileDirectory, ApiKeyNotFound) {
    const file_directory dir{sample()};
    EXPECT_EQ(dir.authenticate_api_key("key-3").status, lookup_status::not_found);
    EXPECT_EQ(dir.authenticate_api_key("").status, lookup_status::not_found);
    // The digest itself is not the key.
    EXPECT_EQ(dir.authenticate_api_key(sha256_hex("key-1")).status, lookup_status::not_found);
}

TEST(FileDirectory, UppercaseDigestInConfigStillMatches) {
    directory_config c;
    std::string upper = sha256_hex("key-1");
    for (char& ch : upper)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    c.api_keys.push_back({"k", upper, "t1", scope_subscribe});
    EXPECT_EQ(file_directory{c}.authenticate_api_key("key-1").status, lookup_status::found);
}

TEST(FileDirectory, SessionFoundHoldsSubscribeOnly) {
    const file_directory dir{sample()};
    const auto r = dir.authenticate_session("tok-1");
    ASSERT_EQ(r.status, lookup_status::found);
    EXPECT_EQ(r.value.id, "u1");
    EXPECT_EQ(r.value.team, "t1");
    EXPECT_EQ(r.value.scopes, scope_subscribe);
}

TEST(FileDirectory, SessionNotFound) {
    const file_directory dir{sample()};
    EXPECT_EQ(dir.authenticate_session("tok-2").status, lookup_status::not_found);
    EXPECT_EQ(dir.authenticate_session("").status, lookup_status::not_found);
    // An API key is not a session token, and vice versa.
    EXPECT_EQ(dir.authenticate_session("key-1").status, lookup_status::not_found);
    EXPECT_EQ(dir.authenticate_api_key("tok-1").status, lookup_status::not_found);
}

TEST(FileDirectory, TeamOfSpecAndAgent) {
    const file_directory dir{sample()};
    const auto spec = dir.team_of_spec("s1");
    ASSERT_EQ(spec.status, lookup_status::found);
    EXPECT_EQ(spec.value, "t1");
    const auto agent = dir.team_of_agent("a1");
    ASSERT_EQ(agent.status, lookup_status::found);
    EXPECT_EQ(agent.value, "t2");
    // Spec and agent ids live in separate namespaces.
    EXPECT_EQ(dir.team_of_spec("a1").status, lookup_status::not_found);
    EXPECT_EQ(dir.team_of_agent("s1").status, lookup_status::not_found);
}

TEST(FileDirectory, DefaultTeamCoversUnlistedIds) {
    auto c = sample();
    c.default_team = "dev";
    const file_directory dir{c};
    EXPECT_EQ(dir.team_of_spec("unlisted").value, "dev");
    EXPECT_EQ(dir.team_of_agent("unlisted").status, lookup_status::found);
    EXPECT_EQ(dir.team_of_spec("s1").value, "t1");  // listed ids keep their team
}

}  // namespace
}  // namespace kata::auth
