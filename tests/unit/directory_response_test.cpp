// The HTTP directory's wire: what the gateway sends, and how it reads the application's answers.
// Anything but a clean 200 or a 404 fails closed.
#include "core/auth/directory_response.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/auth/digest.hpp"
#include "core/auth/file_directory.hpp"

namespace kata::auth {
namespace {

using json = nlohmann::json;

TEST(DirectoryResponse, RequestBodiesCarryTheDigestAndTheId) {
    const auto auth = json::parse(authenticate_request_body(credential_kind::session, "ab12"));
    EXPECT_EQ(auth, json({{"credential", "session"}, {"sha256", "ab12"}}));
    EXPECT_EQ(json::parse(authenticate_request_body(credential_kind::api_key, "cd"))["credential"],
              "api_key");
    EXPECT_EQ(json::parse(owner_request_body(owner_kind::agent, "a\"1")),
              json({{"kind", "agent"}, {"id", "a\"1"}}));
    EXPECT_EQ(json::parse(owner_request_body(owner_kind::spec, "s1"))["kind"], "spec");
}

TEST(DirectoryResponse, ApiKeyFound) {
    const auto r = parse_authenticate_response(
        credential_kind::api_key, 200,
        R"({"id":"ci","team":"t1","scopes":["subscribe","publish","future"]})");
    ASSERT_EQ(r.status, lookup_status::found);
    EXPECT_EQ(r.value.id, "ci");
    EXPECT_EQ(r.value.team, "t1");
    EXPECT_EQ(r.value.scopes, scope_subscribe | scope_publish);
    const auto admin = parse_authenticate_response(
        credential_kind::api_key, 200, R"({"id":"ops","team":"t1","scopes":["admin"]})");
    ASSERT_EQ(admin.status, lookup_status::found);
    EXPECT_EQ(admin.value.scopes, scope_admin);
}

TEST(DirectoryResponse, SessionDefaultsToSubscribeUnlessTold) {
    auto r =
        parse_authenticate_response(credential_kind::session, 200, R"({"id":"u1","team":"t1"})");
    ASSERT_EQ(r.status, lookup_status::found);
    EXPECT_EQ(r.value.scopes, scope_subscribe);
    r = parse_authenticate_response(credential_kind::session, 200,
                                    R"({"id":"u1","team":"t1","scopes":["publish"]})");
    EXPECT_EQ(r.value.scopes, scope_publish);
    // A key must say what it may do.
    EXPECT_EQ(
        parse_authenticate_response(credential_kind::api_key, 200, R"({"id":"u1","team":"t1"})")
            .status,
        lookup_status::unavailable);
}

TEST(DirectoryResponse, NotFoundOnlyOn404) {
    EXPECT_EQ(parse_authenticate_response(credential_kind::api_key, 404, "whatever").status,
              lookup_status::not_found);
    EXPECT_EQ(parse_owner_response(404, "").status, lookup_status::not_found);
}

TEST(DirectoryResponse, EverythingElseFailsClosed) {
    const std::vector<std::pair<unsigned, std::string>> bad = {
        {500, R"({"id":"a","team":"t","scopes":[]})"},
        {503, ""},
        {401, ""},
        {302, ""},
        {200, ""},
        {200, "not json"},
        {200, "[]"},
        {200, R"({"id":"","team":"t","scopes":[]})"},
        {200, R"({"id":"a","team":7,"scopes":[]})"},
        {200, R"({"id":"a","scopes":[]})"},
        {200, R"({"id":"a","team":"t","scopes":"subscribe"})"},
        {200, R"({"id":"a","team":"t","scopes":[1]})"},
        {200, R"({"id":"a\nforged log line","team":"t","scopes":[]})"},
        {200, R"({"id":")" + std::string(300, 'x') + R"(","team":"t","scopes":[]})"},
    };
    for (const auto& [status, body] : bad) {
        EXPECT_EQ(parse_authenticate_response(credential_kind::api_key, status, body).status,
                  lookup_status::unavailable)
            << status << " " << body;
    }
    for (const auto& [status, body] :
         std::vector<std::pair<unsigned, std::string>>{{200, "{}"},
                                                       {200, R"({"team":""})"},
                                                       {200, R"({"team":null})"},
                                                       {200, "{"},
                                                       {500, R"({"team":"t1"})"}}) {
        EXPECT_EQ(parse_owner_response(status, body).status, lookup_status::unavailable)
            << status << " " << body;
    }
    const auto ok = parse_owner_response(200, R"({"team":"t1"})");
    ASSERT_EQ(ok.status, lookup_status::found);
    EXPECT_EQ(ok.value, "t1");
}

TEST(SyncDirectoryAdapter, AnswersInline) {
    directory_config cfg;
    cfg.api_keys.push_back({"ci", sha256_hex("k"), "t1", scope_subscribe});
    cfg.specs["s1"] = "t1";
    const file_directory dir{cfg};
    const sync_directory_adapter adapter{dir};
    bool answered = false;
    adapter.authenticate_digest(credential_kind::api_key, sha256_hex("k"),
                                [&](lookup_result<principal> r) {
                                    answered = true;
                                    EXPECT_EQ(r.status, lookup_status::found);
                                    EXPECT_EQ(r.value.id, "ci");
                                });
    EXPECT_TRUE(answered);
    answered = false;
    adapter.team_of(owner_kind::agent, "s1", [&](lookup_result<std::string> r) {
        answered = true;
        EXPECT_EQ(r.status, lookup_status::not_found);
    });
    EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace kata::auth
