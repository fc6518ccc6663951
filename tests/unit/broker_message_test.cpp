#include "core/redis/broker_message.hpp"

#include <gtest/gtest.h>

namespace kata::redis {
namespace {

using kind = redis_reply::kind;

redis_reply entry(std::string id, std::vector<std::string> fields) {
    std::vector<redis_reply> f;
    for (auto& s : fields)
        f.push_back(redis_reply::make_string(std::move(s)));
    return redis_reply::make_array(
        {redis_reply::make_string(std::move(id)), redis_reply::make_array(std::move(f))});
}

TEST(BrokerMessage, EpochIsSixteenLowercaseHex) {
    EXPECT_EQ(format_epoch(0x5c1e8a0f3b2d4e67ull), "5c1e8a0f3b2d4e67");
    EXPECT_EQ(format_epoch(1), "0000000000000001");
    EXPECT_EQ(parse_epoch("5c1e8a0f3b2d4e67"), 0x5c1e8a0f3b2d4e67ull);
    EXPECT_FALSE(parse_epoch("5C1E8A0F3B2D4E67"));
    EXPECT_FALSE(parse_epoch("5c1e8a0f3b2d4e6"));
    EXPECT_FALSE(parse_epoch("0000000000000000"));
}

TEST(BrokerMessage, RoundTripsAPubSubPayload) {
    const hub::remote_event e{0xabcdef0123456789ull, 42, R"({"eventId":"evt_x","a":" b "})"};
    const auto text = format_broker_message(e);
    EXPECT_EQ(text.substr(0, 20), "abcdef0123456789 42 ");
    const auto back = parse_broker_message(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->epoch, e.epoch);
    EXPECT_EQ(back->sequence, 42u);
    EXPECT_EQ(back->envelope, e.envelope);
}

TEST(BrokerMessage, RejectsMalformedPayloads) {
    for (const char* bad : {"", "abcdef0123456789", "abcdef0123456789 1", "abcdef0123456789 1 ",
                            "abcdef0123456789 01 {}", "abcdef0123456789 0 {}",
                            "abcdef0123456789  1 {}", "abcdef012345678 1 {}",
                            "abcdef0123456789 x {}", "abcdef0123456789 99999999999999999999 {}"})
        EXPECT_FALSE(parse_broker_message(bad)) << bad;
}

TEST(BrokerMessage, ParsesAStreamEntryWeWrote) {
    const auto e = parse_stream_entry(entry("7-0", {"e", "{}", "t", "1764000000000", "b", "2"}));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->sequence, 7u);
    EXPECT_EQ(e->time_ms, 1764000000000);
    EXPECT_EQ(e->envelope, "{}");
}

TEST(BrokerMessage, RejectsForeignStreamEntries) {
    EXPECT_FALSE(parse_stream_entry(entry("7-1", {"e", "{}", "t", "1", "b", "2"})));
    EXPECT_FALSE(parse_stream_entry(entry("0-0", {"e", "{}", "t", "1", "b", "2"})));
    EXPECT_FALSE(parse_stream_entry(entry("7-0", {"e", "{}", "t", "1", "b", "3"})));
    EXPECT_FALSE(parse_stream_entry(entry("7-0", {"e", "{}", "t", "1"})));
    EXPECT_FALSE(parse_stream_entry(entry("7-0", {"e", "{}", "t", "1", "b", "2", "x", "y"})));
    EXPECT_FALSE(parse_stream_entry(entry("7-0", {"e", "{}", "t", "-1", "b", "2"})));
    EXPECT_FALSE(parse_stream_entry(entry("7-0", {"e", "", "t", "1", "b", "0"})));
    EXPECT_FALSE(parse_stream_entry(redis_reply::make_string("7-0")));
    EXPECT_FALSE(parse_stream_entry(redis_reply{}));
}

}  // namespace
}  // namespace kata::redis
