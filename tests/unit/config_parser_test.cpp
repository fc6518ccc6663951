#include "core/config/config_parser.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/auth/principal.hpp"

namespace kata::config {
namespace {

using json = nlohmann::json;

const std::string digest_a(64, 'a');
const std::string digest_b(64, 'b');

json minimal() {
    return json{{"directory", json::object()}};
}

json full() {
    return json::parse(R"({
      "listen": "0.0.0.0:9000", "threads": 4,
      "allowed_origins": ["http://localhost:3000", "https://app.example.com"],
      "session_cookie": "sid",
      "heartbeat": {"interval_ms": 1000, "timeout_ms": 3000},
      "limits": {"max_message_bytes": 4096, "max_subscriptions": 10, "max_queued_bytes": 2048,
                 "write_timeout_ms": 500, "max_connections": 7, "commands_per_second": 3,
                 "max_tls_handshakes": 9},
      "history": {"size": 0, "ttl_ms": 60000},
      "directory": {
        "api_keys": [{"id": "ci-bot", "sha256": ")" +
                       digest_a + R"(", "team": "t1",
                      "scopes": ["subscribe", "publish", "admin"]}],
        "sessions": [{"sha256": ")" +
                       digest_b + R"(", "user": "u1", "team": "t1"}],
        "specs": {"s1": "t1"}, "agents": {"a1": "t2"}
      }
    })");
}

server_config parse_ok(const json& doc) {
    auto result = parse_server_config(doc.dump());
    if (auto* err = std::get_if<config_error>(&result)) {
        ADD_FAILURE() << "refused: " << err->message;
        return {};
    }
    return std::get<server_config>(std::move(result));
}

// Parses `doc`, expects a refusal naming `key`, and returns the message.
std::string refused_at(const json& doc, const std::string& key) {
    auto result = parse_server_config(doc.dump());
    if (!std::holds_alternative<config_error>(result)) {
        ADD_FAILURE() << "accepted: " << doc.dump();
        return {};
    }
    const auto& err = std::get<config_error>(result);
    EXPECT_EQ(err.key, key) << err.message;
    EXPECT_NE(err.message.find(key), std::string::npos) << err.message;
    return err.message;
}

TEST(Config, DefaultsWhenOnlyDirectoryGiven) {
    const auto c = parse_ok(minimal());
    const server_config defaults;
    EXPECT_EQ(c.listen_host, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 8080);
    EXPECT_EQ(c.threads, 0u);
    EXPECT_TRUE(c.allowed_origins.empty());
    EXPECT_EQ(c.session_cookie, "kata_session");
    EXPECT_EQ(c.heartbeat.interval.count(), 20000);
    EXPECT_EQ(c.heartbeat.timeout.count(), 45000);
    EXPECT_EQ(c.limits.max_message_bytes, 16384u);
    EXPECT_EQ(c.limits.max_subscriptions, 256u);
    EXPECT_EQ(c.limits.max_queued_bytes, 1048576u);
    EXPECT_EQ(c.limits.write_timeout.count(), 10000);
    EXPECT_EQ(c.limits.max_connections, 100000u);
    EXPECT_EQ(c.limits.commands_per_second, 50u);
    EXPECT_EQ(c.limits.max_tls_handshakes, 128u);
    EXPECT_EQ(c.limits.max_remote_backlog_bytes, 64u * 1048576);
    EXPECT_EQ(c.history.size, 1000u);
    EXPECT_EQ(c.history.ttl.count(), 300000);
    EXPECT_TRUE(c.directory.api_keys.empty());
    EXPECT_FALSE(c.directory.default_team);
}

TEST(Config, FullDocumentRead) {
    const auto c = parse_ok(full());
    EXPECT_EQ(c.listen_host, "0.0.0.0");
    EXPECT_EQ(c.listen_port, 9000);
    EXPECT_EQ(c.threads, 4u);
    EXPECT_EQ(c.allowed_origins.size(), 2u);
    EXPECT_EQ(c.session_cookie, "sid");
    EXPECT_EQ(c.heartbeat.interval.count(), 1000);
    EXPECT_EQ(c.heartbeat.timeout.count(), 3000);
    EXPECT_EQ(c.limits.max_message_bytes, 4096u);
    EXPECT_EQ(c.limits.max_subscriptions, 10u);
    EXPECT_EQ(c.limits.max_queued_bytes, 2048u);
    EXPECT_EQ(c.limits.write_timeout.count(), 500);
    EXPECT_EQ(c.limits.max_connections, 7u);
    EXPECT_EQ(c.limits.commands_per_second, 3u);
    EXPECT_EQ(c.limits.max_tls_handshakes, 9u);
    EXPECT_EQ(c.history.size, 0u);
    EXPECT_EQ(c.history.ttl.count(), 60000);
    ASSERT_EQ(c.directory.api_keys.size(), 1u);
    EXPECT_EQ(c.directory.api_keys[0].id, "ci-bot");
    EXPECT_EQ(c.directory.api_keys[0].sha256, digest_a);
    EXPECT_EQ(c.directory.api_keys[0].scopes,
              auth::scope_subscribe | auth::scope_publish | auth::scope_admin);
    ASSERT_EQ(c.directory.sessions.size(), 1u);
    EXPECT_EQ(c.directory.sessions[0].user, "u1");
    EXPECT_EQ(c.directory.specs.at("s1"), "t1");
    EXPECT_EQ(c.directory.agents.at("a1"), "t2");
    EXPECT_FALSE(c.directory.default_team);
}

TEST(Config, UppercaseDigestLowercased) {
    auto doc = full();
    doc["directory"]["api_keys"][0]["sha256"] = std::string(64, 'A');
    EXPECT_EQ(parse_ok(doc).directory.api_keys[0].sha256, digest_a);
}

TEST(Config, NotJsonOrNotObject) {
    auto r = parse_server_config("{\"directory\": {}");
    ASSERT_TRUE(std::holds_alternative<config_error>(r));
    EXPECT_NE(std::get<config_error>(r).message.find("not valid JSON"), std::string::npos);
    r = parse_server_config("[]");
    ASSERT_TRUE(std::holds_alternative<config_error>(r));
    EXPECT_EQ(std::get<config_error>(r).key, "");
}

TEST(Config, MissingDirectory) {
    EXPECT_NE(refused_at(json::object(), "directory").find("required"), std::string::npos);
    EXPECT_NE(refused_at(json{{"directory", json::array()}}, "directory").find("object"),
              std::string::npos);
}

TEST(Config, UnknownKeyAtEveryLevel) {
    auto at = [](const json::json_pointer& where, const std::string& key) {
        auto doc = full();
        doc[where]["bogus"] = 1;
        EXPECT_NE(refused_at(doc, key).find("unknown key"), std::string::npos);
    };
    at(""_json_pointer, "bogus");
    at("/heartbeat"_json_pointer, "heartbeat.bogus");
    at("/limits"_json_pointer, "limits.bogus");
    at("/history"_json_pointer, "history.bogus");
    at("/directory"_json_pointer, "directory.bogus");
    at("/directory/api_keys/0"_json_pointer, "directory.api_keys[0].bogus");
    at("/directory/sessions/0"_json_pointer, "directory.sessions[0].bogus");
}

TEST(Config, WrongTypesNameTheKey) {
    const std::pair<json::json_pointer, std::string> cases[] = {
        {"/listen"_json_pointer, "listen"},
        {"/threads"_json_pointer, "threads"},
        {"/allowed_origins"_json_pointer, "allowed_origins"},
        {"/session_cookie"_json_pointer, "session_cookie"},
        {"/heartbeat"_json_pointer, "heartbeat"},
        {"/limits/max_subscriptions"_json_pointer, "limits.max_subscriptions"},
        {"/history/size"_json_pointer, "history.size"},
        {"/directory/api_keys"_json_pointer, "directory.api_keys"},
        {"/directory/sessions/0/user"_json_pointer, "directory.sessions[0].user"},
        {"/directory/specs"_json_pointer, "directory.specs"},
        {"/directory/agents/a1"_json_pointer, "directory.agents.a1"},
    };
    for (const auto& [where, key] : cases) {
        auto doc = full();
        doc[where] = true;
        refused_at(doc, key);
    }
}

TEST(Config, IntegersMustBeIntegers) {
    for (const json& bad : {json(1.5), json(-1), json(true), json("5"), json(1e30)}) {
        auto doc = minimal();
        doc["limits"]["max_subscriptions"] = bad;
        const auto msg = refused_at(doc, "limits.max_subscriptions");
        EXPECT_NE(msg.find("must be an integer"), std::string::npos) << msg;
    }
}

TEST(Config, LimitRanges) {
    const std::tuple<std::string, std::string, json, json> cases[] = {
        // section, key, smallest refused below, largest refused above
        {"limits", "max_message_bytes", 0, 16 * 1024 * 1024 + 1},
        {"limits", "max_subscriptions", 0, 1'000'001},
        {"limits", "max_queued_bytes", 1023, (std::uint64_t{1} << 30) + 1},
        {"limits", "write_timeout_ms", 0, 86'400'001},
        {"limits", "max_connections", 0, 10'000'001},
        {"limits", "commands_per_second", 0, 1'000'001},
        {"limits", "max_tls_handshakes", 0, 1'000'001},
        {"limits", "max_remote_backlog_bytes", 1023, (std::uint64_t{1} << 34) + 1},
        {"history", "ttl_ms", 0, 86'400'001},
        {"history", "size", -1, 1'000'001},
        {"compression", "level", -1, 13},
        {"compression", "min_bytes", -1, 16 * 1024 * 1024 + 1},
    };
    for (const auto& [section, key, low, high] : cases) {
        for (const auto& bad : {low, high}) {
            auto doc = minimal();
            doc[section][key] = bad;
            refused_at(doc, section + "." + key);
        }
    }
    auto doc = minimal();
    doc["limits"]["max_queued_bytes"] = 100;
    EXPECT_NE(refused_at(doc, "limits.max_queued_bytes")
                  .find("limits.max_queued_bytes: must be an integer >= 1024"),
              std::string::npos);
    doc = minimal();
    doc["limits"]["max_message_bytes"] = 16 * 1024 * 1024;
    doc["limits"]["max_queued_bytes"] = 1024;  // smaller than a message is allowed
    doc["history"]["size"] = 0;
    EXPECT_EQ(parse_ok(doc).limits.max_message_bytes, 16u * 1024 * 1024);
}

TEST(Config, Compression) {
    const auto defaults = parse_ok(minimal());
    EXPECT_TRUE(defaults.compression.enabled);
    EXPECT_EQ(defaults.compression.min_bytes, 256u);
    EXPECT_EQ(defaults.compression.level, 6);
    auto doc = minimal();
    doc["compression"] = {{"enabled", false}, {"min_bytes", 0}, {"level", 12}};
    const auto set = parse_ok(doc);
    EXPECT_FALSE(set.compression.enabled);
    EXPECT_EQ(set.compression.min_bytes, 0u);
    EXPECT_EQ(set.compression.level, 12);
    doc["compression"] = {{"enabled", "yes"}};
    refused_at(doc, "compression.enabled");
    doc["compression"] = {{"level", 1.5}};
    refused_at(doc, "compression.level");
    doc["compression"] = {{"window_bits", 10}};
    refused_at(doc, "compression.window_bits");
    doc["compression"] = true;
    refused_at(doc, "compression");
}

TEST(Config, Threads) {
    auto doc = minimal();
    doc["threads"] = 1024;
    EXPECT_EQ(parse_ok(doc).threads, 1024u);
    doc["threads"] = 1025;
    refused_at(doc, "threads");
}

TEST(Config, HeartbeatTimeoutMustExceedInterval) {
    auto doc = minimal();
    doc["heartbeat"] = {{"interval_ms", 1000}, {"timeout_ms", 1000}};
    refused_at(doc, "heartbeat.timeout_ms");
    doc["heartbeat"] = {{"interval_ms", 50000}};  // default timeout 45000 is now too short
    refused_at(doc, "heartbeat.interval_ms");
    doc["heartbeat"] = {{"interval_ms", 0}};
    refused_at(doc, "heartbeat.interval_ms");
    doc["heartbeat"] = {{"interval_ms", 10}, {"timeout_ms", 25}};
    EXPECT_EQ(parse_ok(doc).heartbeat.timeout.count(), 25);
}

TEST(Config, AllowedOrigins) {
    for (const char* good : {"http://localhost:3000", "https://app.example.com",
                             "http://[::1]:8080", "https://127.0.0.1"}) {
        auto doc = minimal();
        doc["allowed_origins"] = {good};
        EXPECT_EQ(parse_ok(doc).allowed_origins.at(0), good);
    }
    for (const char* bad : {"localhost:3000", "ftp://x", "http://x/", "http://x/app", "http://",
                            "http://x:99999", "http://X.com", "HTTP://x", "null", "http://x:"}) {
        auto doc = minimal();
        doc["allowed_origins"] = {"http://ok", bad};
        refused_at(doc, "allowed_origins[1]");
    }
}

TEST(Config, SessionCookieMustBeToken) {
    for (const char* bad : {"", "a b", "a;b", "a=b", "a\"b", "é"}) {
        auto doc = minimal();
        doc["session_cookie"] = bad;
        refused_at(doc, "session_cookie");
    }
}

TEST(Config, ApiKeyEntryErrorsNameTheField) {
    auto with = [](const char* field, json value) {
        auto doc = full();
        doc["directory"]["api_keys"][0][field] = std::move(value);
        return doc;
    };
    refused_at(with("id", ""), "directory.api_keys[0].id");
    refused_at(with("sha256", std::string(63, 'a')), "directory.api_keys[0].sha256");
    refused_at(with("sha256", std::string(64, 'g')), "directory.api_keys[0].sha256");
    refused_at(with("team", ""), "directory.api_keys[0].team");
    refused_at(with("scopes", json::array()), "directory.api_keys[0].scopes");
    refused_at(with("scopes", {"subscribe", "root"}), "directory.api_keys[0].scopes[1]");
    refused_at(with("scopes", {"subscribe", 3}), "directory.api_keys[0].scopes[1]");

    auto doc = full();
    doc["directory"]["api_keys"][0].erase("team");
    EXPECT_NE(refused_at(doc, "directory.api_keys[0].team").find("required"), std::string::npos);
}

TEST(Config, SessionEntryRequiresAllFields) {
    for (const char* field : {"sha256", "user", "team"}) {
        auto doc = full();
        doc["directory"]["sessions"][0].erase(field);
        refused_at(doc, std::string("directory.sessions[0].") + field);
    }
}

TEST(Config, DuplicateApiKeysRefused) {
    auto doc = full();
    auto second = doc["directory"]["api_keys"][0];
    second["sha256"] = digest_b;
    doc["directory"]["api_keys"].push_back(second);  // same id
    refused_at(doc, "directory.api_keys[1].id");

    doc = full();
    second = doc["directory"]["api_keys"][0];
    second["id"] = "other";
    second["sha256"] = std::string(64, 'A');  // same digest, other case
    doc["directory"]["api_keys"].push_back(second);
    refused_at(doc, "directory.api_keys[1].sha256");
}

TEST(Config, SpecAndAgentTeamsMustBeNonEmptyStrings) {
    auto doc = full();
    doc["directory"]["specs"]["s2"] = "";
    refused_at(doc, "directory.specs.s2");
}

TEST(ParseListen, HostAndPort) {
    const auto r = parse_listen("127.0.0.1:8080");
    ASSERT_EQ(r.index(), 0u);
    EXPECT_EQ(std::get<0>(r).first, "127.0.0.1");
    EXPECT_EQ(std::get<0>(r).second, 8080);
    EXPECT_EQ(std::get<0>(parse_listen("localhost:0")).second, 0);
    EXPECT_EQ(std::get<0>(parse_listen("h:65535")).second, 65535);
}

TEST(ParseListen, BracketedIpv6) {
    const auto r = parse_listen("[::1]:9000");
    ASSERT_EQ(r.index(), 0u);
    EXPECT_EQ(std::get<0>(r).first, "::1");
    EXPECT_EQ(std::get<0>(r).second, 9000);
}

TEST(ParseListen, Refused) {
    for (const char* bad : {"", "8080", ":8080", "host:", "host:65536", "host:-1", "host:80a",
                            "::1:80", "[::1]", "[::1]80", "[]:80", "[host]:80", "a b:80"}) {
        EXPECT_EQ(parse_listen(bad).index(), 1u) << bad;
    }
}

TEST(Config, BadListenNamesTheKey) {
    auto doc = minimal();
    doc["listen"] = "localhost:70000";
    EXPECT_NE(refused_at(doc, "listen").find("port"), std::string::npos);
}

TEST(LoadConfig, ReadsFileAndReportsUnreadable) {
    const std::string path = ::testing::TempDir() + "kata_rt_config_test.json";
    {
        std::ofstream out(path);
        out << R"({"listen": "127.0.0.1:0", "directory": {}})";
    }
    const auto r = load_server_config(path);
    std::remove(path.c_str());
    ASSERT_TRUE(std::holds_alternative<server_config>(r));
    EXPECT_EQ(std::get<server_config>(r).listen_port, 0);

    const auto missing = load_server_config(path + ".missing");
    ASSERT_TRUE(std::holds_alternative<config_error>(missing));
    EXPECT_EQ(std::get<config_error>(missing).key, "");
    EXPECT_NE(std::get<config_error>(missing).message.find(".missing"), std::string::npos);
}

}  // namespace
}  // namespace kata::config
