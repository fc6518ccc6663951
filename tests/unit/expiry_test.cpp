// A credential's `expires_at`: the strict RFC 3339 UTC parser, the config fields that carry it,
// the HTTP directory's answer, and refusal of an expired credential at connect.
#include "core/auth/expiry.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/auth/connect_auth.hpp"
#include "core/auth/digest.hpp"
#include "core/auth/directory_response.hpp"
#include "core/auth/file_directory.hpp"
#include "core/config/config_parser.hpp"

namespace kata::auth {
namespace {

using json = nlohmann::json;

TEST(ExpiresAt, ReadsUtcTimesToTheMillisecond) {
    EXPECT_EQ(parse_expires_at("1970-01-01T00:00:01Z"), 1000);
    EXPECT_EQ(parse_expires_at("2026-03-01T12:00:00Z"), 1772366400000);
    EXPECT_EQ(parse_expires_at("2026-03-01T12:00:00.250Z"), 1772366400250);
    EXPECT_EQ(parse_expires_at("2026-03-01T12:00:00.2Z"), 1772366400200);
    // Digits past the millisecond are dropped, never rounded up into a later instant.
    EXPECT_EQ(parse_expires_at("2026-03-01T12:00:00.999999999Z"), 1772366400999);
    EXPECT_EQ(parse_expires_at("2024-02-29T23:59:59Z"), 1709251199000);
    EXPECT_EQ(parse_expires_at("9999-12-31T23:59:59.999Z"), 253402300799999);
}

TEST(ExpiresAt, RefusesAnythingElse) {
    for (const char* bad : {
             "",
             "2026-03-01",
             "2026-03-01T12:00:00",        // no zone: local time is ambiguous
             "2026-03-01T12:00:00+00:00",  // UTC means Z here
             "2026-03-01T12:00:00+01:00",
             "2026-03-01t12:00:00z",
             "2026-03-01 12:00:00Z",
             "2026-03-01T12:00:00.Z",
             "2026-03-01T12:00:00.1234567890Z",
             "2026-03-01T12:00:00ZZ",
             "2026-03-01T12:00:00Z ",
             " 2026-03-01T12:00:00Z",
             "2026-13-01T12:00:00Z",
             "2026-00-01T12:00:00Z",
             "2026-02-29T12:00:00Z",  // not a leap year
             "2026-04-31T12:00:00Z",
             "2026-03-00T12:00:00Z",
             "2026-03-01T24:00:00Z",
             "2026-03-01T12:60:00Z",
             "2026-03-01T12:00:60Z",
             "+026-03-01T12:00:00Z",
             "2026-3-01T12:00:00Z",
             "1970-01-01T00:00:00Z",  // 0 means "never": not an expiry
             "1969-12-31T23:59:59Z",
             "1234567890",
         }) {
        EXPECT_FALSE(parse_expires_at(bad)) << bad;
    }
}

TEST(ExpiresAt, ExpiredAtAndAfterTheInstant) {
    principal who{"u1", "t1", scope_subscribe, 5000};
    EXPECT_FALSE(is_expired(who, 4999));
    EXPECT_TRUE(is_expired(who, 5000));
    EXPECT_TRUE(is_expired(who, 6000));
    who.expires_at_ms = 0;
    EXPECT_FALSE(is_expired(who, 1LL << 60)) << "0: never expires";
    EXPECT_EQ(drop_expired({lookup_status::found, principal{"u", "t", 1, 10}}, 10).status,
              lookup_status::not_found);
    EXPECT_EQ(drop_expired({lookup_status::found, principal{"u", "t", 1, 10}}, 9).status,
              lookup_status::found);
}

TEST(ExpiresAt, FileDirectoryCarriesItOnThePrincipal) {
    directory_config c;
    c.api_keys.push_back({"ci", sha256_hex("key-1"), "t1", scope_subscribe, 1234});
    c.sessions.push_back({sha256_hex("tok-1"), "u1", "t1", 5678});
    const file_directory dir{c};
    EXPECT_EQ(dir.authenticate_api_key("key-1").value.expires_at_ms, 1234);
    EXPECT_EQ(dir.authenticate_session("tok-1").value.expires_at_ms, 5678);
}

TEST(ExpiresAt, ConnectRefusesAnExpiredCredentialLikeAnUnknownOne) {
    connect_precheck pre;
    pre.kind = credential_kind::api_key;
    pre.digest = sha256_hex("key-1");
    const lookup_result<principal> found{lookup_status::found,
                                         principal{"ci", "t1", scope_subscribe, 2000}};
    const auto live = finish_connect(pre, found, 1999);
    EXPECT_EQ(live.result, connect_decision::outcome::accept);
    EXPECT_EQ(live.who.expires_at_ms, 2000);
    const auto late = finish_connect(pre, found, 2000);
    EXPECT_EQ(late.result, connect_decision::outcome::close);
    EXPECT_EQ(late.close_code, 4401);
    EXPECT_EQ(late.reason, "unauthorized");
}

TEST(ExpiresAt, HttpDirectoryAnswerCarriesIt) {
    auto r = parse_authenticate_response(
        credential_kind::session, 200,
        R"({"id":"u1","team":"t1","expires_at":"2026-03-01T12:00:00.250Z"})");
    ASSERT_EQ(r.status, lookup_status::found);
    EXPECT_EQ(r.value.expires_at_ms, 1772366400250);
    r = parse_authenticate_response(credential_kind::session, 200, R"({"id":"u1","team":"t1"})");
    EXPECT_EQ(r.value.expires_at_ms, 0);
    // An expiry the gateway cannot read fails closed.
    for (const char* bad : {R"({"id":"u1","team":"t1","expires_at":"tomorrow"})",
                            R"({"id":"u1","team":"t1","expires_at":1772366400})",
                            R"({"id":"u1","team":"t1","expires_at":null})"}) {
        EXPECT_EQ(parse_authenticate_response(credential_kind::session, 200, bad).status,
                  lookup_status::unavailable)
            << bad;
    }
}

std::string config_with(const json& api_key_expiry, const json& session_expiry) {
    json key = {
        {"id", "ci"}, {"sha256", std::string(64, 'a')}, {"team", "t1"}, {"scopes", {"subscribe"}}};
    json session = {{"sha256", std::string(64, 'b')}, {"user", "u1"}, {"team", "t1"}};
    if (!api_key_expiry.is_null()) key["expires_at"] = api_key_expiry;
    if (!session_expiry.is_null()) session["expires_at"] = session_expiry;
    return json{{"directory", {{"api_keys", {key}}, {"sessions", {session}}}}}.dump();
}

TEST(ExpiresAt, ConfigReadsItOnKeysAndSessions) {
    auto r = config::parse_server_config(
        config_with("2026-03-01T12:00:00.250Z", "2026-03-01T12:00:01Z"));
    ASSERT_TRUE(std::holds_alternative<config::server_config>(r));
    const auto& dir = std::get<config::server_config>(r).directory;
    EXPECT_EQ(dir.api_keys[0].expires_at_ms, 1772366400250);
    EXPECT_EQ(dir.sessions[0].expires_at_ms, 1772366401000);
    r = config::parse_server_config(config_with(nullptr, nullptr));
    ASSERT_TRUE(std::holds_alternative<config::server_config>(r));
    EXPECT_EQ(std::get<config::server_config>(r).directory.api_keys[0].expires_at_ms, 0);
}

TEST(ExpiresAt, ConfigErrorsNameTheEntry) {
    for (const auto& [doc, path] : std::vector<std::pair<std::string, std::string>>{
             {config_with("2026-03-01 12:00", nullptr), "directory.api_keys[0].expires_at"},
             {config_with(1772366400, nullptr), "directory.api_keys[0].expires_at"},
             {config_with(nullptr, "2026-02-30T00:00:00Z"), "directory.sessions[0].expires_at"},
         }) {
        const auto r = config::parse_server_config(doc);
        ASSERT_TRUE(std::holds_alternative<config::config_error>(r)) << doc;
        const auto& message = std::get<config::config_error>(r).message;
        EXPECT_EQ(std::get<config::config_error>(r).key, path);
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_NE(message.find("RFC 3339"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace kata::auth
