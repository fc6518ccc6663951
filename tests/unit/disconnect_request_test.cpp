// The body of POST /v1/disconnect and which connections it names.
#include "core/auth/disconnect_request.hpp"

#include <gtest/gtest.h>

namespace kata::auth {
namespace {

disconnect_target parsed(std::string_view body) {
    auto r = parse_disconnect_request(body);
    if (const auto* err = std::get_if<std::string>(&r)) ADD_FAILURE() << body << ": " << *err;
    return std::get_if<disconnect_target>(&r) ? std::get<disconnect_target>(r)
                                              : disconnect_target{};
}

std::string error_of(std::string_view body) {
    auto r = parse_disconnect_request(body);
    const auto* err = std::get_if<std::string>(&r);
    return err ? *err : "";
}

const std::string digest(64, 'a');

TEST(DisconnectRequest, ReadsEachTargetAndTheOptionalChannel) {
    EXPECT_EQ(parsed(R"({"user":"u1"})"),
              (disconnect_target{disconnect_target::field::user, "u1", std::nullopt}));
    EXPECT_EQ(parsed(R"({"key_id":"ci-bot"})").by, disconnect_target::field::key_id);
    EXPECT_EQ(parsed(R"({"team":"t1","channel":"spec:42"})"),
              (disconnect_target{disconnect_target::field::team, "t1", "spec:42"}));
    const auto upper = parsed(R"({"sha256":")" + std::string(64, 'A') + R"("})");
    EXPECT_EQ(upper.by, disconnect_target::field::sha256);
    EXPECT_EQ(upper.value, digest) << "kept in lowercase, as digests are compared";
}

TEST(DisconnectRequest, RefusesAnythingButExactlyOneTarget) {
    for (const char* body :
         {"", "null", "[]", "\"u1\"", "{}", R"({"user":"u1","team":"t1"})", R"({"user":""})",
          R"({"user":5})", R"({"user":"u1","other":1})", R"({"channel":"team:t1"})",
          R"({"sha256":"abc"})", R"({"user":"u1","channel":"bad channel"})",
          R"({"user":"u1","channel":null})", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]"}) {
        EXPECT_NE(error_of(body), "") << body;
    }
    EXPECT_NE(error_of(R"({"user":"u1","other":1})").find("other"), std::string::npos);
    EXPECT_NE(error_of(R"({"user":")" + std::string(257, 'x') + R"("})"), "");
}

TEST(DisconnectRequest, TravelsAsTheSameObject) {
    for (const char* body : {R"({"user":"u1"})", R"({"team":"t1","channel":"team:t1"})"}) {
        const auto t = parsed(body);
        EXPECT_EQ(parsed(disconnect_json(t)), t) << body;
    }
}

TEST(DisconnectRequest, MatchesByUserKeyIdTeamOrDigest) {
    const principal session_u1{"u1", "t1", scope_subscribe, 0};
    const principal key_u1{"u1", "t1", scope_subscribe, 0};  // a key whose id happens to be u1
    using k = credential_kind;
    const disconnect_target user{disconnect_target::field::user, "u1", std::nullopt};
    EXPECT_TRUE(disconnect_matches(user, session_u1, k::session, digest));
    EXPECT_FALSE(disconnect_matches(user, key_u1, k::api_key, digest)) << "a user is a session";
    const disconnect_target key{disconnect_target::field::key_id, "u1", std::nullopt};
    EXPECT_TRUE(disconnect_matches(key, key_u1, k::api_key, digest));
    EXPECT_FALSE(disconnect_matches(key, session_u1, k::session, digest));
    const disconnect_target team{disconnect_target::field::team, "t1", std::nullopt};
    EXPECT_TRUE(disconnect_matches(team, session_u1, k::session, digest));
    EXPECT_TRUE(disconnect_matches(team, key_u1, k::api_key, digest));
    EXPECT_FALSE(disconnect_matches({disconnect_target::field::team, "t2", std::nullopt},
                                    session_u1, k::session, digest));
    const disconnect_target by_digest{disconnect_target::field::sha256, digest, std::nullopt};
    EXPECT_TRUE(disconnect_matches(by_digest, key_u1, k::api_key, digest));
    EXPECT_FALSE(disconnect_matches(by_digest, key_u1, k::api_key, std::string(64, 'b')));
}

}  // namespace
}  // namespace kata::auth
