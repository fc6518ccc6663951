// `kata-rt serve` with a Redis shard that stays down: every change of cause is logged at once,
// with Redis' own error reply; only repeats of one cause are held back.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "redis_process.hpp"
#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

std::string temp_config(const std::string& content) {
    char path[] = "/tmp/kata-rt-redis-log-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

// The JSON log lines whose msg holds `text`.
std::vector<json> lines_with(const std::string& output, const std::string& text) {
    std::vector<json> out;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        auto doc = json::parse(line, nullptr, false);
        if (doc.is_object() && doc.contains("msg") && doc["msg"].is_string() &&
            doc["msg"].get<std::string>().find(text) != std::string::npos)
            out.push_back(std::move(doc));
    }
    return out;
}

std::uint64_t error_count(const redis_process& redis, const std::string& prefix) {
    const auto stat = redis.info_field("errorstats", "errorstat_" + prefix);  // "count=N"
    if (!stat || stat->rfind("count=", 0) != 0) return 0;
    return std::stoull(stat->substr(6));
}

TEST(ServeRedisLog, AShardThatStaysDownLogsEachNewCauseAtOnceWithRedisOwnReply) {
    if (access(redis_server_binary, X_OK) != 0) GTEST_SKIP() << "no redis-server";
    redis_process redis;
    redis.stop();  // down: the node's connects are refused
    const std::string node_password = "node-password-Q7";
    const std::string redis_password = "redis-password-Z3";
    const auto path = temp_config(
        R"({"listen":"127.0.0.1:0","threads":1,"directory":{},"broker":{"type":"redis","urls":[")" +
        redis.url() + R"("],"password_env":"KATA_RT_TEST_REDIS_PASSWORD"}})");
    serve_process serve({"--config", path, "--log-format", "json"},
                        {{"KATA_RT_TEST_REDIS_PASSWORD", node_password}});
    ASSERT_TRUE(serve.wait_for_output("Connection refused")) << serve.output();

    redis.start({"--requirepass", redis_password});
    redis.set_client_password(redis_password);
    const auto started = std::chrono::steady_clock::now();
    // The next retry (at most reconnect_max, 2 s, away) fails differently: logged at once.
    ASSERT_TRUE(serve.wait_for_output("AUTH failed: WRONGPASS", 6s)) << serve.output();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    const auto auth = lines_with(serve.output(), "AUTH failed: WRONGPASS");
    ASSERT_EQ(auth.size(), 1u) << serve.output();
    EXPECT_EQ(auth[0]["level"], "info");
    EXPECT_NE(auth[0]["msg"].get<std::string>().find(redis.url().substr(8)), std::string::npos)
        << "the line names the shard: " << auth[0].dump();
    EXPECT_EQ(lines_with(serve.output(), "Connection refused").size(), 1u)
        << "the retries while Redis was down are held back: " << serve.output();

    // It keeps failing the same way: every retry is refused by Redis, none is logged again.
    ASSERT_TRUE(eventually([&] { return error_count(redis, "WRONGPASS") >= 5; }, 20s))
        << error_count(redis, "WRONGPASS");
    // Then Redis with the node's password: the node connects and says so, after every line of
    // the failures before.
    redis.stop();
    redis.start({"--requirepass", node_password});
    ASSERT_TRUE(serve.wait_for_output(": connected", 10s)) << serve.output();
    EXPECT_EQ(lines_with(serve.output(), "AUTH failed").size(), 1u) << serve.output();
    EXPECT_EQ(serve.output().find(node_password), std::string::npos);
    EXPECT_EQ(serve.output().find(redis_password), std::string::npos);
    std::remove(path.c_str());
}

TEST(ServeRedisConfig, CheckConfigNamesABadHealthCheckInterval) {
    const auto bad =
        temp_config(R"({"directory":{},"broker":{"type":"redis","urls":["redis://127.0.0.1:1"],)"
                    R"("health_check_ms":5}})");
    serve_process check({"--check-config", "--config", bad}, {}, {}, /*capture_stdout=*/true);
    EXPECT_EQ(check.wait_exit(10s), 2);
    EXPECT_NE(check.output().find("broker.health_check_ms"), std::string::npos) << check.output();

    const auto good =
        temp_config(R"({"directory":{},"broker":{"type":"redis","urls":["redis://127.0.0.1:1"],)"
                    R"("health_check_ms":500}})");
    serve_process ok({"--check-config", "--config", good}, {}, {}, true);
    EXPECT_EQ(ok.wait_exit(10s), 0) << ok.output();
    std::remove(bad.c_str());
    std::remove(good.c_str());
}

}  // namespace
}  // namespace kata::e2e
