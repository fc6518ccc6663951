#include "core/protocol/publish_request.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace kata::protocol {
namespace {

publish_request parse_ok(std::string_view body) {
    auto result = parse_publish_request(body);
    if (auto* err = std::get_if<publish_error>(&result)) {
        ADD_FAILURE() << body << " refused: " << err->message;
        return {};
    }
    return std::get<publish_request>(std::move(result));
}

bool refused(std::string_view body) {
    return std::holds_alternative<publish_error>(parse_publish_request(body));
}

std::string batch_of(std::size_t n) {
    nlohmann::json events = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i) {
        events.push_back({{"channel", "spec:" + std::to_string(i)}, {"type", "spec_updated"}});
    }
    return nlohmann::json{{"events", events}}.dump();
}

TEST(PublishRequest, Single) {
    const auto req = parse_ok(
        R"({"channel":"agent:123","type":"agent_status_changed","payload":{"status":"running"}})");
    EXPECT_FALSE(req.batch);
    ASSERT_EQ(req.items.size(), 1u);
    EXPECT_EQ(req.items[0].channel.str(), "agent:123");
    EXPECT_EQ(req.items[0].type, "agent_status_changed");
    EXPECT_EQ(nlohmann::json::parse(req.items[0].payload_json),
              nlohmann::json({{"status", "running"}}));
}

TEST(PublishRequest, MissingPayloadIsEmptyObject) {
    const auto req = parse_ok(R"({"channel":"team:t1","type":"log_entry"})");
    ASSERT_EQ(req.items.size(), 1u);
    EXPECT_EQ(req.items[0].payload_json, "{}");
}

TEST(PublishRequest, BatchKeepsOrder) {
    const auto req = parse_ok(batch_of(3));
    EXPECT_TRUE(req.batch);
    ASSERT_EQ(req.items.size(), 3u);
    EXPECT_EQ(req.items[0].channel.str(), "spec:0");
    EXPECT_EQ(req.items[2].channel.str(), "spec:2");
}

TEST(PublishRequest, BatchOf1000AcceptedAnd1001Refused) {
    EXPECT_EQ(parse_ok(batch_of(1000)).items.size(), 1000u);
    EXPECT_TRUE(refused(batch_of(1001)));
}

TEST(PublishRequest, EmptyOrNonArrayBatchRefused) {
    EXPECT_TRUE(refused(R"({"events":[]})"));
    EXPECT_TRUE(refused(R"({"events":{}})"));
}

TEST(PublishRequest, OnlyDomainTypesAccepted) {
    for (const char* type : {"agent_status_changed", "log_entry", "spec_updated", "task_completed",
                             "blocker_raised"}) {
        const auto body = nlohmann::json{{"channel", "spec:1"}, {"type", type}}.dump();
        EXPECT_FALSE(refused(body)) << type;
    }
    for (const char* type : {"subscribed", "error", "pong", "", "Log_entry"}) {
        const auto body = nlohmann::json{{"channel", "spec:1"}, {"type", type}}.dump();
        EXPECT_TRUE(refused(body)) << type;
    }
    EXPECT_TRUE(refused(R"({"channel":"spec:1"})"));
}

TEST(PublishRequest, PayloadMustBeObject) {
    EXPECT_TRUE(refused(R"({"channel":"spec:1","type":"log_entry","payload":[1]})"));
    EXPECT_TRUE(refused(R"({"channel":"spec:1","type":"log_entry","payload":"x"})"));
    EXPECT_TRUE(refused(R"({"channel":"spec:1","type":"log_entry","payload":null})"));
}

TEST(PublishRequest, BadChannelOrBodyRefused) {
    EXPECT_TRUE(refused(R"({"channel":"user:1","type":"log_entry"})"));
    EXPECT_TRUE(refused(R"({"type":"log_entry"})"));
    EXPECT_TRUE(refused("not json"));
    EXPECT_TRUE(refused("[]"));
}

TEST(PublishRequest, ErrorNamesTheBatchIndex) {
    const auto result = parse_publish_request(
        R"({"events":[{"channel":"spec:1","type":"log_entry"},{"channel":"x","type":"log_entry"}]})");
    ASSERT_TRUE(std::holds_alternative<publish_error>(result));
    EXPECT_NE(std::get<publish_error>(result).message.find("events[1]"), std::string::npos);
}

// A payload is re-serialized with a recursive dump(): a deeply nested body used to overflow the
// stack and crash the server.
TEST(PublishRequest, DeeplyNestedPayloadRefusedNotCrashing) {
    const std::size_t levels = 200000;
    const std::string body = R"({"channel":"spec:1","type":"log_entry","payload":{"a":)" +
                             std::string(levels, '[') + std::string(levels, ']') + "}}";
    EXPECT_TRUE(refused(body));
}

TEST(PublishRequest, ModestNestingAccepted) {
    // Body, payload, then 30 arrays: far more than real events use, far below the bound.
    const std::string body = R"({"channel":"spec:1","type":"log_entry","payload":{"a":)" +
                             std::string(30, '[') + std::string(30, ']') + "}}";
    EXPECT_FALSE(refused(body));
}

// Issue #14 item 2: the payload reaches subscribers as published, not re-serialized by a DOM
// (which sorted keys and turned 123456789012345678901234567890 into 1.2345678901234568e+29).
TEST(PublishRequest, PayloadTextKeptAsPublished) {
    const auto req = parse_ok(
        R"({"channel":"spec:1","type":"log_entry","payload": {"z": 123456789012345678901234567890,)"
        R"( "a":"\u00e9", "m":[1.50, 1E2, -0]}})");
    ASSERT_EQ(req.items.size(), 1u);
    EXPECT_EQ(req.items[0].payload_json,
              R"({"z":123456789012345678901234567890,"a":"\u00e9","m":[1.50,1E2,-0]})");
}

TEST(PublishRequest, DuplicateKeysRefused) {
    EXPECT_TRUE(refused(R"({"channel":"spec:1","type":"log_entry","payload":{"a":1,"a":2}})"));
    EXPECT_TRUE(refused(R"({"channel":"spec:1","channel":"spec:2","type":"log_entry"})"));
    EXPECT_TRUE(refused(R"({"events":[{"channel":"spec:1","type":"log_entry","type":"x"}]})"));
    const auto result = parse_publish_request(
        R"({"channel":"spec:1","type":"log_entry","payload":{"a":{"b":1,"b":1}}})");
    ASSERT_TRUE(std::holds_alternative<publish_error>(result));
    EXPECT_NE(std::get<publish_error>(result).message.find("duplicate key \"b\""),
              std::string::npos);
}

// Issue #14 item 3: nlohmann stopped at a NUL byte, so a second object after it was ignored.
TEST(PublishRequest, BytesAfterTheValueRefused) {
    const std::string one = R"({"channel":"team:t1","type":"log_entry"})";
    EXPECT_TRUE(refused(one + std::string("\0", 1) + R"({"channel":"team:t2"})"));
    EXPECT_TRUE(refused(one + std::string("\0", 1)));
    EXPECT_TRUE(refused(one + "x"));
    EXPECT_TRUE(refused(one + one));
    EXPECT_FALSE(refused(one + " \r\n\t"));
}

TEST(PublishRequest, BatchPayloadsKeptAsPublished) {
    const auto req =
        parse_ok(R"({"events":[{"channel":"spec:1","type":"log_entry","payload":{"b":1,"a":2}},)"
                 R"({"payload":{"x":1e300},"channel":"spec:2","type":"log_entry"}]})");
    ASSERT_EQ(req.items.size(), 2u);
    EXPECT_EQ(req.items[0].payload_json, R"({"b":1,"a":2})");
    EXPECT_EQ(req.items[1].payload_json, R"({"x":1e300})");
}

}  // namespace
}  // namespace kata::protocol
