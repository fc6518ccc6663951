#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/server/ops/log.hpp"

namespace kata::server {
namespace {

const auto when = std::chrono::system_clock::time_point{} + std::chrono::seconds(1'700'000'000);

TEST(LogFormat, JsonLineHasTimeLevelMessageAndFields) {
    const auto line = format_log_line(log_format::json, when, "info", "connection refused",
                                      {{"reason", "unauthorized"}, {"code", 4401}});
    ASSERT_EQ(line.back(), '\n');
    const auto doc = nlohmann::json::parse(line);
    EXPECT_EQ(doc["time"], "2023-11-14T22:13:20.000Z");
    EXPECT_EQ(doc["level"], "info");
    EXPECT_EQ(doc["msg"], "connection refused");
    EXPECT_EQ(doc["reason"], "unauthorized");
    EXPECT_EQ(doc["code"], 4401);
    EXPECT_EQ(line.find("\n"), line.size() - 1) << "one line";
}

TEST(LogFormat, JsonEscapesAndSurvivesInvalidUtf8) {
    const auto line = format_log_line(log_format::json, when, "warn", "a \"quoted\"\nline",
                                      {{"remote", std::string_view("\xff\xfe", 2)}});
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
}

TEST(LogFormat, TextKeepsTheOldShapeAndQuotesOnlyWhenNeeded) {
    EXPECT_EQ(format_log_line(log_format::text, when, "info", "directory reloaded", {}),
              "2023-11-14T22:13:20.000Z info directory reloaded\n");
    EXPECT_EQ(format_log_line(log_format::text, when, "debug", "connection open",
                              {{"conn", 7}, {"who", "ci-bot"}, {"note", "two words"}}),
              "2023-11-14T22:13:20.000Z debug connection open conn=7 who=ci-bot "
              "note=\"two words\"\n");
}

}  // namespace
}  // namespace kata::server
