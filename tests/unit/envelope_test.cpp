#include "core/protocol/envelope.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kata::protocol {
namespace {

TEST(Envelope, DomainEventHasTheSixFields) {
    const envelope env{"agent_status_changed", "agent:123", "2026-02-26T22:00:00.000Z",
                       "evt_0000000000000001_1", R"({"status":"running"})"};
    const auto doc = nlohmann::json::parse(serialize_envelope(env), nullptr, false);
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc.size(), 6u);
    EXPECT_EQ(doc["type"], "agent_status_changed");
    EXPECT_EQ(doc["channel"], "agent:123");
    EXPECT_EQ(doc["timestamp"], "2026-02-26T22:00:00.000Z");
    EXPECT_EQ(doc["eventId"], "evt_0000000000000001_1");
    EXPECT_EQ(doc["encoding"], "json");
    EXPECT_EQ(doc["payload"], nlohmann::json({{"status", "running"}}));
}

TEST(Envelope, ControlEventWithoutChannelOmitsIt) {
    const envelope env{"pong", std::nullopt, "2026-02-26T22:00:00.000Z", "ctl_1",
                       R"({"requestId":"r3"})"};
    const auto doc = nlohmann::json::parse(serialize_envelope(env), nullptr, false);
    ASSERT_TRUE(doc.is_object());
    EXPECT_FALSE(doc.contains("channel"));
    EXPECT_EQ(doc["type"], "pong");
    EXPECT_EQ(doc["payload"]["requestId"], "r3");
    EXPECT_EQ(doc["encoding"], "json");
}

TEST(Envelope, DefaultPayloadIsEmptyObject) {
    envelope env;
    env.type = "subscribed";
    env.channel = "spec:1";
    env.timestamp = "2026-02-26T22:00:00.000Z";
    env.event_id = "x";
    const auto doc = nlohmann::json::parse(serialize_envelope(env), nullptr, false);
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc["payload"], nlohmann::json::object());
}

TEST(Envelope, FieldsNeedingEscapesStayValidJson) {
    // A client re-serializes what a server sent: quotes and control bytes must not break out.
    envelope env;
    env.type = "a\"b";
    env.channel = "spec:1";
    env.timestamp = "t\n";
    env.event_id = "id\\";
    const auto doc = nlohmann::json::parse(serialize_envelope(env), nullptr, false);
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc["type"], "a\"b");
    EXPECT_EQ(doc["timestamp"], "t\n");
    EXPECT_EQ(doc["eventId"], "id\\");
}

}  // namespace
}  // namespace kata::protocol
