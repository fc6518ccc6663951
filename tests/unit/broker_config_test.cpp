// The `broker` section of the config file and `kata-rt serve --redis`.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config/broker_section.hpp"
#include "core/config/config_parser.hpp"

namespace kata::config {
namespace {

std::variant<server_config, config_error> parse(const std::string& broker) {
    return parse_server_config(R"({"broker":)" + broker + R"(,"directory":{}})");
}

std::string error_key(const std::string& broker) {
    auto r = parse(broker);
    const auto* err = std::get_if<config_error>(&r);
    return err ? err->key : "(accepted)";
}

TEST(BrokerConfig, DefaultIsTheMemoryBroker) {
    auto r = parse_server_config(R"({"directory":{}})");
    const auto& cfg = std::get<server_config>(r);
    EXPECT_EQ(cfg.broker.type, "memory");
    EXPECT_FALSE(cfg.broker.remote());
}

TEST(BrokerConfig, ReadsRedisShardsPrefixAndTimeout) {
    auto r = parse(R"({"type":"redis","urls":["redis://127.0.0.1:6379","redis://10.0.0.2:6380/2"],
                      "prefix":"app1","connect_timeout_ms":250})");
    ASSERT_TRUE(std::holds_alternative<server_config>(r));
    const auto& b = std::get<server_config>(r).broker;
    EXPECT_TRUE(b.remote());
    ASSERT_EQ(b.urls.size(), 2u);
    EXPECT_EQ(b.urls[1], "redis://10.0.0.2:6380/2");
    EXPECT_EQ(b.prefix, "app1");
    EXPECT_EQ(b.connect_timeout.count(), 250);
}

TEST(BrokerConfig, HealthCheckIntervalDefaultsToOneSecondAndIsBounded) {
    auto dflt = parse(R"({"type":"redis","urls":["redis://h:1"]})");
    ASSERT_TRUE(std::holds_alternative<server_config>(dflt));
    EXPECT_EQ(std::get<server_config>(dflt).broker.health_check.count(), 1000);
    auto r = parse(R"({"type":"redis","urls":["redis://h:1"],"health_check_ms":250})");
    ASSERT_TRUE(std::holds_alternative<server_config>(r));
    EXPECT_EQ(std::get<server_config>(r).broker.health_check.count(), 250);
    for (const char* bad : {"0", "9", "60001", "-1", "1.5", "\"1s\""}) {
        auto refused =
            parse(std::string(R"({"type":"redis","urls":["redis://h:1"],"health_check_ms":)") +
                  bad + "}");
        const auto* err = std::get_if<config_error>(&refused);
        ASSERT_NE(err, nullptr) << bad;
        EXPECT_EQ(err->key, "broker.health_check_ms") << bad;
        EXPECT_NE(err->message.find(">= 10"), std::string::npos) << err->message;
    }
    EXPECT_EQ(error_key(R"({"type":"memory","health_check_ms":1000})"), "broker.health_check_ms");
}

TEST(BrokerConfig, PasswordComesFromTheNamedEnvironmentVariable) {
    ::setenv("KATA_TEST_REDIS_PW", "s3cret", 1);
    auto r =
        parse(R"({"type":"redis","urls":["redis://h:1"],"password_env":"KATA_TEST_REDIS_PW"})");
    ASSERT_TRUE(std::holds_alternative<server_config>(r));
    EXPECT_EQ(std::get<server_config>(r).broker.password, "s3cret");
    ::unsetenv("KATA_TEST_REDIS_PW");
    EXPECT_EQ(
        error_key(R"({"type":"redis","urls":["redis://h:1"],"password_env":"KATA_TEST_REDIS_PW"})"),
        "broker.password_env");
}

TEST(BrokerConfig, RefusesBadValuesNamingTheKey) {
    EXPECT_EQ(error_key(R"({"type":"etcd"})"), "broker.type");
    EXPECT_EQ(error_key(R"({"type":"redis"})"), "broker.urls");
    EXPECT_EQ(error_key(R"({"type":"redis","urls":[]})"), "broker.urls");
    EXPECT_EQ(error_key(R"({"type":"redis","urls":["http://h:1"]})"), "broker.urls[0]");
    EXPECT_EQ(error_key(R"({"type":"redis","urls":["redis://h:1","redis://h:99999"]})"),
              "broker.urls[1]");
    EXPECT_EQ(error_key(R"({"type":"redis","urls":["redis://h:1","redis://h:1"]})"),
              "broker.urls[1]");
    EXPECT_EQ(error_key(R"({"type":"redis","urls":["redis://:pw@h:1"]})"), "broker.urls[0]");
    EXPECT_EQ(error_key(R"({"type":"redis","urls":["redis://h:1"],"prefix":"a b"})"),
              "broker.prefix");
    EXPECT_EQ(error_key(R"({"type":"redis","urls":["redis://h:1"],"connect_timeout_ms":0})"),
              "broker.connect_timeout_ms");
    EXPECT_EQ(error_key(R"({"type":"memory","urls":["redis://h:1"]})"), "broker.urls");
    EXPECT_EQ(error_key(R"({"type":"redis","urls":["redis://h:1"],"db":1})"), "broker.db");
}

TEST(BrokerConfig, CommandLineUrlsAreCheckedTheSameWay) {
    broker_settings b;
    EXPECT_FALSE(detail::use_redis_urls({"redis://127.0.0.1:6379"}, b));
    EXPECT_TRUE(b.remote());
    const auto err = detail::use_redis_urls({"redis://:pw@127.0.0.1:6379"}, b);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->key, "--redis");
    EXPECT_NE(err->message.find("password"), std::string::npos);
}

}  // namespace
}  // namespace kata::config
