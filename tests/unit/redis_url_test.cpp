#include "core/redis/redis_url.hpp"

#include <gtest/gtest.h>

namespace kata::redis {
namespace {

redis_url ok(std::string_view text) {
    auto r = parse_redis_url(text);
    EXPECT_TRUE(std::holds_alternative<redis_url>(r)) << text;
    return std::holds_alternative<redis_url>(r) ? std::get<redis_url>(r) : redis_url{};
}

std::string error(std::string_view text) {
    auto r = parse_redis_url(text);
    EXPECT_TRUE(std::holds_alternative<std::string>(r)) << text;
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string{};
}

TEST(RedisUrl, HostAloneTakesDefaultPortAndDb) {
    const auto u = ok("redis://127.0.0.1");
    EXPECT_EQ(u.host, "127.0.0.1");
    EXPECT_EQ(u.port, 6379);
    EXPECT_EQ(u.db, 0u);
    EXPECT_TRUE(u.password.empty());
    EXPECT_EQ(u.address(), "127.0.0.1:6379");
}

TEST(RedisUrl, PortAndDb) {
    const auto u = ok("redis://cache.internal:6380/3");
    EXPECT_EQ(u.host, "cache.internal");
    EXPECT_EQ(u.port, 6380);
    EXPECT_EQ(u.db, 3u);
}

TEST(RedisUrl, PasswordOnlyAndUserWithPassword) {
    const auto a = ok("redis://:s3cret@localhost:7000");
    EXPECT_EQ(a.user, "");
    EXPECT_EQ(a.password, "s3cret");
    EXPECT_EQ(a.port, 7000);
    const auto b = ok("redis://kata:p@ss@10.0.0.1/1");
    EXPECT_EQ(b.user, "kata");
    EXPECT_EQ(b.password, "p@ss");
    EXPECT_EQ(b.host, "10.0.0.1");
    EXPECT_EQ(b.db, 1u);
}

TEST(RedisUrl, BracketedIpv6) {
    const auto u = ok("redis://[::1]:6390");
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, 6390);
    EXPECT_EQ(u.address(), "[::1]:6390");
}

TEST(RedisUrl, ErrorsSayWhatIsWrong) {
    EXPECT_NE(error("http://x").find("redis://"), std::string::npos);
    EXPECT_NE(error("rediss://x").find("redis://"), std::string::npos);
    EXPECT_NE(error("redis://").find("host"), std::string::npos);
    EXPECT_NE(error("redis://h:0").find("port"), std::string::npos);
    EXPECT_NE(error("redis://h:65536").find("port"), std::string::npos);
    EXPECT_NE(error("redis://h:").find("port"), std::string::npos);
    EXPECT_NE(error("redis://h:x1").find("port"), std::string::npos);
    EXPECT_NE(error("redis://h/x").find("db"), std::string::npos);
    EXPECT_NE(error("redis://user@h").find("password"), std::string::npos);
    EXPECT_NE(error("redis://:@h").find("password"), std::string::npos);
    EXPECT_NE(error("redis://[::1").find("["), std::string::npos);
}

}  // namespace
}  // namespace kata::redis
