#include "core/protocol/command.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/protocol/error_code.hpp"

namespace kata::protocol {
namespace {

command parse_ok(std::string_view frame) {
    auto result = parse_command(frame);
    if (auto* err = std::get_if<command_error>(&result)) {
        ADD_FAILURE() << frame << " refused: " << err->code << " " << err->message;
        return {};
    }
    return std::get<command>(result);
}

command_error parse_err(std::string_view frame) {
    auto result = parse_command(frame);
    if (std::holds_alternative<command>(result)) {
        ADD_FAILURE() << frame << " was accepted";
        return {};
    }
    return std::get<command_error>(result);
}

TEST(Command, Subscribe) {
    const auto cmd = parse_ok(R"({"type":"subscribe","channel":"spec:7","requestId":"r1"})");
    EXPECT_EQ(cmd.type, command_type::subscribe);
    ASSERT_TRUE(cmd.channel);
    EXPECT_EQ(cmd.channel->str(), "spec:7");
    EXPECT_EQ(cmd.request_id, "r1");
    EXPECT_FALSE(cmd.since);
}

TEST(Command, SubscribeWithSince) {
    const auto cmd =
        parse_ok(R"({"type":"subscribe","channel":"agent:1","since":"evt_0000000000000001_5"})");
    ASSERT_TRUE(cmd.since);
    EXPECT_EQ(*cmd.since, "evt_0000000000000001_5");
    EXPECT_TRUE(cmd.request_id.empty());
}

TEST(Command, Unsubscribe) {
    const auto cmd = parse_ok(R"({"type":"unsubscribe","channel":"team:t1","requestId":"r2"})");
    EXPECT_EQ(cmd.type, command_type::unsubscribe);
    EXPECT_EQ(cmd.channel->str(), "team:t1");
    EXPECT_EQ(cmd.request_id, "r2");
}

TEST(Command, Ping) {
    const auto cmd = parse_ok(R"({"type":"ping","requestId":"r3"})");
    EXPECT_EQ(cmd.type, command_type::ping);
    EXPECT_EQ(cmd.request_id, "r3");
    EXPECT_FALSE(cmd.channel);
}

TEST(Command, IgnoresUnknownFields) {
    EXPECT_EQ(parse_ok(R"({"type":"ping","extra":[1,2]})").type, command_type::ping);
}

TEST(Command, InvalidJson) {
    EXPECT_EQ(parse_err("{not json").code, error_code::invalid_json);
    EXPECT_EQ(parse_err("").code, error_code::invalid_json);
}

TEST(Command, NonObjectIsInvalidCommand) {
    EXPECT_EQ(parse_err("[]").code, error_code::invalid_command);
    EXPECT_EQ(parse_err("\"ping\"").code, error_code::invalid_command);
    EXPECT_EQ(parse_err("42").code, error_code::invalid_command);
}

TEST(Command, MissingOrUnknownTypeEchoesRequestId) {
    auto err = parse_err(R"({"requestId":"r9"})");
    EXPECT_EQ(err.code, error_code::invalid_command);
    EXPECT_EQ(err.request_id, "r9");

    err = parse_err(R"({"type":"publish","requestId":"r10"})");
    EXPECT_EQ(err.code, error_code::invalid_command);
    EXPECT_EQ(err.request_id, "r10");
}

TEST(Command, WrongFieldTypesAreInvalidCommand) {
    EXPECT_EQ(parse_err(R"({"type":7})").code, error_code::invalid_command);
    EXPECT_EQ(parse_err(R"({"type":"subscribe","channel":7})").code, error_code::invalid_command);
    EXPECT_EQ(parse_err(R"({"type":"subscribe"})").code, error_code::invalid_command);
    EXPECT_EQ(parse_err(R"({"type":"ping","requestId":5})").code, error_code::invalid_command);
    EXPECT_EQ(parse_err(R"({"type":"subscribe","channel":"spec:1","since":5})").code,
              error_code::invalid_command);
    EXPECT_EQ(parse_err(R"({"type":"subscribe","channel":"spec:1","since":""})").code,
              error_code::invalid_command);
}

TEST(Command, RequestIdOf128BytesAcceptedAnd129Refused) {
    const std::string ok = R"({"type":"ping","requestId":")" + std::string(128, 'r') + "\"}";
    EXPECT_EQ(parse_ok(ok).request_id.size(), 128u);
    const std::string too_long = R"({"type":"ping","requestId":")" + std::string(129, 'r') + "\"}";
    EXPECT_EQ(parse_err(too_long).code, error_code::invalid_command);
}

TEST(Command, BadChannelIsInvalidChannelWithRequestId) {
    const auto err = parse_err(R"({"type":"subscribe","channel":"user:1","requestId":"r4"})");
    EXPECT_EQ(err.code, error_code::invalid_channel);
    EXPECT_EQ(err.request_id, "r4");
    EXPECT_EQ(parse_err(R"({"type":"unsubscribe","channel":"spec:"})").code,
              error_code::invalid_channel);
}

TEST(Command, SinceIgnoredOutsideSubscribe) {
    const auto cmd = parse_ok(R"({"type":"unsubscribe","channel":"spec:1","since":"evt_x"})");
    EXPECT_FALSE(cmd.since);
}

TEST(Command, SerializeRoundTrips) {
    const command commands[] = {
        {command_type::subscribe, parse_channel("spec:7"), "r1", "evt_0000000000000001_5"},
        {command_type::subscribe, parse_channel("agent:a"), "", std::nullopt},
        {command_type::unsubscribe, parse_channel("team:t1"), "r2", std::nullopt},
        {command_type::ping, std::nullopt, "r3", std::nullopt},
        {command_type::ping, std::nullopt, "", std::nullopt},
    };
    for (const auto& cmd : commands) {
        const auto text = serialize_command(cmd);
        EXPECT_EQ(parse_ok(text), cmd) << text;
    }
}

TEST(Command, RepeatedFieldRefused) {
    EXPECT_EQ(parse_err(R"({"type":"subscribe","channel":"team:t1","channel":"team:t2"})").code,
              error_code::invalid_json);
    EXPECT_EQ(parse_err(R"({"type":"ping","type":"subscribe","channel":"team:t1"})").code,
              error_code::invalid_json);
    parse_ok(R"({"type":"ping","x":1,"x":2})");  // unknown fields are ignored, repeated or not
}

TEST(Command, BytesAfterANulRefused) {
    // nlohmann's lexer read a NUL as the end of input: the second object was silently ignored.
    const std::string frame = std::string(R"({"type":"subscribe","channel":"team:t1"})") +
                              std::string("\0", 1) + R"({"channel":"team:t2"})";
    EXPECT_EQ(parse_err(frame).code, error_code::invalid_json);
    EXPECT_EQ(parse_err(std::string(R"({"type":"ping"})") + std::string("\0", 1)).code,
              error_code::invalid_json);
    EXPECT_EQ(parse_err(R"({"type":"ping"} x)").code, error_code::invalid_json);
    parse_ok(R"({"type":"ping"} )"
             "\r\n");
}

}  // namespace
}  // namespace kata::protocol
