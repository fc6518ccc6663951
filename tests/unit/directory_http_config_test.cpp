// `directory.http` in the config file: parsed, defaulted, and refused with the key named.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/config/config_diff.hpp"
#include "core/config/config_parser.hpp"

namespace kata::config {
namespace {

using json = nlohmann::json;

json with_http(json http) {
    return json{{"directory", json{{"http", std::move(http)}}}};
}

server_config parse_ok(const json& doc) {
    auto r = parse_server_config(doc.dump());
    if (auto* err = std::get_if<config_error>(&r)) ADD_FAILURE() << err->message;
    return std::get<server_config>(std::move(r));
}

config_error refused(const json& doc) {
    auto r = parse_server_config(doc.dump());
    if (!std::holds_alternative<config_error>(r)) {
        ADD_FAILURE() << "accepted: " << doc.dump();
        return {};
    }
    return std::get<config_error>(r);
}

TEST(DirectoryHttpConfig, Defaults) {
    const auto c = parse_ok(with_http({{"url", "http://127.0.0.1:9000/kata-rt/"}}));
    ASSERT_TRUE(c.directory.http);
    const auto& h = *c.directory.http;
    EXPECT_EQ(h.host, "127.0.0.1");
    EXPECT_EQ(h.port, 9000);
    EXPECT_EQ(h.base_path, "/kata-rt");  // trailing slash dropped
    EXPECT_EQ(h.timeout.count(), 300);
    EXPECT_EQ(h.cache_ttl.count(), 10000);
    EXPECT_EQ(h.negative_cache_ttl.count(), 1000);
    EXPECT_EQ(h.cache_size, 100000u);
    EXPECT_EQ(h.pool_size, 32u);
    EXPECT_EQ(h.revalidate.count(), 300000);
    EXPECT_TRUE(c.directory.api_keys.empty());
}

TEST(DirectoryHttpConfig, AllKeysAndDefaultPort) {
    const auto c = parse_ok(with_http({{"url", "http://backend.internal"},
                                       {"timeout_ms", 50},
                                       {"cache_ttl_ms", 0},
                                       {"negative_cache_ttl_ms", 5},
                                       {"cache_size", 10},
                                       {"pool_size", 2},
                                       {"revalidate_ms", 0},
                                       {"headers", {{"X-Team", "gateway"}}}}));
    const auto& h = *c.directory.http;
    EXPECT_EQ(h.host, "backend.internal");
    EXPECT_EQ(h.port, 80);
    EXPECT_EQ(h.base_path, "");
    EXPECT_EQ(h.timeout.count(), 50);
    EXPECT_EQ(h.cache_ttl.count(), 0);
    EXPECT_EQ(h.cache_size, 10u);
    EXPECT_EQ(h.pool_size, 2u);
    EXPECT_EQ(h.revalidate.count(), 0);  // off
    ASSERT_EQ(h.headers.size(), 1u);
    EXPECT_EQ(h.headers[0].second, "gateway");
}

TEST(DirectoryHttpConfig, HeaderFromEnvironment) {
    ::setenv("KATA_RT_TEST_DIRECTORY_TOKEN", "Bearer s3cret", 1);
    const auto c =
        parse_ok(with_http({{"url", "http://127.0.0.1:9000"},
                            {"headers", {{"Authorization", "env:KATA_RT_TEST_DIRECTORY_TOKEN"}}}}));
    EXPECT_EQ(c.directory.http->headers.at(0).second, "Bearer s3cret");
    ::unsetenv("KATA_RT_TEST_DIRECTORY_UNSET");
    const auto err =
        refused(with_http({{"url", "http://127.0.0.1:9000"},
                           {"headers", {{"Authorization", "env:KATA_RT_TEST_DIRECTORY_UNSET"}}}}));
    EXPECT_EQ(err.key, "directory.http.headers.Authorization");
    EXPECT_NE(err.message.find("KATA_RT_TEST_DIRECTORY_UNSET"), std::string::npos);
}

TEST(DirectoryHttpConfig, RefusalsNameTheKey) {
    const json url = "http://127.0.0.1:9000";
    EXPECT_EQ(refused(with_http(json::object())).key, "directory.http.url");
    EXPECT_EQ(refused(with_http({{"url", "https://x:1"}})).key, "directory.http.url");
    EXPECT_EQ(refused(with_http({{"url", "http://:1"}})).key, "directory.http.url");
    EXPECT_EQ(refused(with_http({{"url", "http://h:99999"}})).key, "directory.http.url");
    EXPECT_EQ(refused(with_http({{"url", "http://h:1/a?b"}})).key, "directory.http.url");
    EXPECT_EQ(refused(with_http({{"url", url}, {"timeout_ms", 0}})).key,
              "directory.http.timeout_ms");
    EXPECT_EQ(refused(with_http({{"url", url}, {"pool_size", 0}})).key, "directory.http.pool_size");
    EXPECT_EQ(refused(with_http({{"url", url}, {"cache_size", -1}})).key,
              "directory.http.cache_size");
    EXPECT_EQ(refused(with_http({{"url", url}, {"cache_ttl_ms", "1"}})).key,
              "directory.http.cache_ttl_ms");
    EXPECT_EQ(refused(with_http({{"url", url}, {"negative_cache_ttl_ms", 1.5}})).key,
              "directory.http.negative_cache_ttl_ms");
    EXPECT_EQ(refused(with_http({{"url", url}, {"revalidate_ms", -1}})).key,
              "directory.http.revalidate_ms");
    EXPECT_EQ(refused(with_http({{"url", url}, {"revalidate_ms", "60000"}})).key,
              "directory.http.revalidate_ms");
    EXPECT_EQ(refused(with_http({{"url", url}, {"bogus", 1}})).key, "directory.http.bogus");
    EXPECT_EQ(refused(with_http({{"url", url}, {"headers", {{"Bad Name", "v"}}}})).key,
              "directory.http.headers.Bad Name");
    EXPECT_EQ(refused(with_http({{"url", url}, {"headers", {{"X-A", "a\nb"}}}})).key,
              "directory.http.headers.X-A");
}

TEST(DirectoryHttpConfig, ExactlyOneOfFileOrHttp) {
    json doc = with_http({{"url", "http://127.0.0.1:9000"}});
    doc["directory"]["specs"] = {{"s1", "t1"}};
    const auto err = refused(doc);
    EXPECT_EQ(err.key, "directory.http");
    EXPECT_NE(err.message.find("cannot be combined"), std::string::npos);
}

TEST(DirectoryHttpConfig, ChangingItNeedsARestart) {
    const auto a = parse_ok(with_http({{"url", "http://127.0.0.1:9000"}}));
    const auto b = parse_ok(with_http({{"url", "http://127.0.0.1:9001"}}));
    const auto file = parse_ok(json{{"directory", json::object()}});
    EXPECT_TRUE(keys_needing_restart(a, a).empty());
    EXPECT_EQ(keys_needing_restart(a, b), std::vector<std::string>{"directory.http"});
    EXPECT_EQ(keys_needing_restart(a, file), std::vector<std::string>{"directory.http"});
}

}  // namespace
}  // namespace kata::config
