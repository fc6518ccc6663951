#include "core/protocol/envelope_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kata::protocol {
namespace {

const std::string valid =
    R"({"type":"agent_status_changed","channel":"agent:123","timestamp":"2026-02-26T22:00:00.000Z",)"
    R"("eventId":"evt_00000000000000ab_7","encoding":"json","payload":{"status":"running"}})";

envelope parse_ok(std::string_view frame) {
    auto parsed = parse_envelope(frame);
    if (auto* err = std::get_if<envelope_error>(&parsed)) {
        ADD_FAILURE() << "refused: " << err->message << "\n" << frame;
        return {};
    }
    return std::get<envelope>(std::move(parsed));
}

bool refused(std::string_view frame) {
    return std::holds_alternative<envelope_error>(parse_envelope(frame));
}

TEST(EnvelopeParser, ReadsADomainEvent) {
    const auto env = parse_ok(valid);
    EXPECT_EQ(env.type, "agent_status_changed");
    EXPECT_EQ(env.channel, "agent:123");
    EXPECT_EQ(env.timestamp, "2026-02-26T22:00:00.000Z");
    EXPECT_EQ(env.event_id, "evt_00000000000000ab_7");
    EXPECT_EQ(env.payload_json, R"({"status":"running"})");
}

TEST(EnvelopeParser, RoundTripsWhatTheServerSerializes) {
    envelope env{"spec_updated", "spec:7", "2026-02-26T22:00:00.000Z", "evt_1", R"({"a":[1,2]})"};
    EXPECT_EQ(parse_ok(serialize_envelope(env)), env);
    env.channel.reset();
    env.type = "pong";
    env.payload_json = "{}";
    EXPECT_EQ(parse_ok(serialize_envelope(env)), env);
}

TEST(EnvelopeParser, ChannelIsOptional) {
    const auto env = parse_ok(
        R"({"type":"pong","timestamp":"t","eventId":"c1","encoding":"json","payload":{}})");
    EXPECT_FALSE(env.channel.has_value());
}

TEST(EnvelopeParser, IgnoresUnknownFields) {
    const auto env =
        parse_ok(R"({"type":"pong","timestamp":"t","eventId":"c1","encoding":"json","payload":{},)"
                 R"("epoch":17,"extra":{"nested":[1]}})");
    EXPECT_EQ(env.type, "pong");
}

TEST(EnvelopeParser, PassesUnknownTypesThrough) {
    const auto env =
        parse_ok(R"({"type":"agent_exploded","channel":"agent:1","timestamp":"t","eventId":"e",)"
                 R"("encoding":"json","payload":{}})");
    EXPECT_EQ(env.type, "agent_exploded");
}

TEST(EnvelopeParser, PayloadIsReserializedCompactly) {
    const auto env =
        parse_ok(R"({ "type" : "log_entry", "timestamp":"t", "eventId":"e", "encoding":"json",)"
                 "\n"
                 R"( "payload" : { "line" : "a b" , "n" : 1 } })");
    EXPECT_EQ(env.payload_json, R"({"line":"a b","n":1})");
}

struct bad_case {
    const char* why;
    std::string frame;
};

TEST(EnvelopeParser, RefusesMalformedFrames) {
    const std::vector<bad_case> table{
        {"empty", ""},
        {"not JSON", "{"},
        {"trailing garbage", valid + "x"},
        {"array", "[]"},
        {"string", R"("pong")"},
        {"missing type", R"({"timestamp":"t","eventId":"e","encoding":"json","payload":{}})"},
        {"type not string",
         R"({"type":1,"timestamp":"t","eventId":"e","encoding":"json","payload":{}})"},
        {"type empty",
         R"({"type":"","timestamp":"t","eventId":"e","encoding":"json","payload":{}})"},
        {"missing timestamp", R"({"type":"pong","eventId":"e","encoding":"json","payload":{}})"},
        {"timestamp number",
         R"({"type":"pong","timestamp":5,"eventId":"e","encoding":"json","payload":{}})"},
        {"missing eventId", R"({"type":"pong","timestamp":"t","encoding":"json","payload":{}})"},
        {"empty eventId",
         R"({"type":"pong","timestamp":"t","eventId":"","encoding":"json","payload":{}})"},
        {"eventId number",
         R"({"type":"pong","timestamp":"t","eventId":3,"encoding":"json","payload":{}})"},
        {"missing encoding", R"({"type":"pong","timestamp":"t","eventId":"e","payload":{}})"},
        {"other encoding",
         R"({"type":"pong","timestamp":"t","eventId":"e","encoding":"cbor","payload":{}})"},
        {"missing payload", R"({"type":"pong","timestamp":"t","eventId":"e","encoding":"json"})"},
        {"payload array",
         R"({"type":"pong","timestamp":"t","eventId":"e","encoding":"json","payload":[]})"},
        {"payload string",
         R"({"type":"pong","timestamp":"t","eventId":"e","encoding":"json","payload":"{}"})"},
        {"payload null",
         R"({"type":"pong","timestamp":"t","eventId":"e","encoding":"json","payload":null})"},
        {"channel number",
         R"({"type":"log_entry","channel":7,"timestamp":"t","eventId":"e","encoding":"json","payload":{}})"},
        {"channel outside grammar",
         R"({"type":"log_entry","channel":"user:7","timestamp":"t","eventId":"e","encoding":"json","payload":{}})"},
        {"channel empty id",
         R"({"type":"log_entry","channel":"spec:","timestamp":"t","eventId":"e","encoding":"json","payload":{}})"},
        {"channel null",
         R"({"type":"log_entry","channel":null,"timestamp":"t","eventId":"e","encoding":"json","payload":{}})"},
        {"invalid UTF-8", std::string{R"({"type":"pong","timestamp":"t","eventId":"e)"} + "\xff" +
                              R"(","encoding":"json","payload":{}})"},
    };
    for (const auto& c : table)
        EXPECT_TRUE(refused(c.frame)) << c.why;
}

TEST(EnvelopeParser, RefusesDeepNestingWithoutRecursing) {
    const std::string deep =
        R"({"type":"log_entry","timestamp":"t","eventId":"e","encoding":"json","payload":{"a":)" +
        std::string(100000, '[') + std::string(100000, ']') + "}}";
    EXPECT_TRUE(refused(deep));
}

TEST(EnvelopeParser, AcceptsNestingUpToTheLimit) {
    // The envelope and payload are two levels; 62 more arrays reach max_envelope_depth exactly.
    const std::size_t arrays = max_envelope_depth - 2;
    const std::string frame =
        R"({"type":"log_entry","timestamp":"t","eventId":"e","encoding":"json","payload":{"a":)" +
        std::string(arrays, '[') + std::string(arrays, ']') + "}}";
    parse_ok(frame);
    const std::string one_more =
        R"({"type":"log_entry","timestamp":"t","eventId":"e","encoding":"json","payload":{"a":)" +
        std::string(arrays + 1, '[') + std::string(arrays + 1, ']') + "}}";
    EXPECT_TRUE(refused(one_more));
}

TEST(EnvelopeParser, BracketsInsideStringsDoNotCountAsNesting) {
    const std::string frame =
        R"({"type":"log_entry","timestamp":"t","eventId":"e","encoding":"json",)"
        R"("payload":{"line":"[[[[\"{{{{)" +
        std::string(500, '[') + R"("}})";
    EXPECT_EQ(parse_ok(frame).type, "log_entry");
}

TEST(EnvelopeParser, RefusesOversizedFramesBeforeParsing) {
    const std::string huge(max_envelope_bytes + 1, ' ');
    EXPECT_TRUE(refused(huge));
}

TEST(EnvelopeParser, SurvivesEveryPrefixOfAValidFrame) {
    for (std::size_t n = 0; n < valid.size(); ++n) {
        EXPECT_TRUE(refused(std::string_view{valid}.substr(0, n))) << n;
    }
}

// Issue #14 item 2: the client hands the application the payload text the server sent.
TEST(EnvelopeParser, PayloadTextKeptAsSent) {
    const auto env =
        parse_ok(R"({"type":"log_entry","timestamp":"t","eventId":"e","encoding":"json",)"
                 R"("payload":{"z":123456789012345678901234567890,"a":"\u00e9","n":1.50}})");
    EXPECT_EQ(env.payload_json, R"({"z":123456789012345678901234567890,"a":"\u00e9","n":1.50})");
}

TEST(EnvelopeParser, RefusesDuplicateKeysAndBytesAfterTheValue) {
    EXPECT_TRUE(refused(R"({"type":"pong","type":"x","timestamp":"t","eventId":"e",)"
                        R"("encoding":"json","payload":{}})"));
    EXPECT_TRUE(refused(valid + std::string("\0{}", 3)));
}

}  // namespace
}  // namespace kata::protocol
