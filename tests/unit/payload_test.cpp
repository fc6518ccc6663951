#include "load/payload.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kata::load {
namespace {

TEST(LoadPayload, IsJsonOfTheRequestedSize) {
    const auto p = make_payload(42, 1'700'000'000'000'000, 200);
    EXPECT_EQ(p.size(), 200u);
    const auto doc = nlohmann::json::parse(p);
    EXPECT_EQ(doc["seq"], 42);
    EXPECT_EQ(doc["t"], 1'700'000'000'000'000);
}

TEST(LoadPayload, SmallSizesStillCarrySeqAndTime) {
    const auto doc = nlohmann::json::parse(make_payload(1, 2, 0));
    EXPECT_EQ(doc["seq"], 1);
    EXPECT_EQ(doc["pad"], "");
}

TEST(LoadPayload, ScansAnEnvelopeWhateverTheFieldOrder) {
    const std::string payload = make_payload(7, 123456, 64);
    const std::string frame =
        "{\"type\":\"log_entry\",\"channel\":\"spec:load-3\",\"timestamp\":"
        "\"2026-02-26T22:00:00.000Z\",\"eventId\":\"evt_1\",\"encoding\":"
        "\"json\",\"payload\":" +
        payload + "}";
    const auto ev = scan_load_event(frame);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->channel, "spec:load-3");
    EXPECT_EQ(ev->seq, 7u);
    EXPECT_EQ(ev->intended_unix_us, 123456);

    const std::string reordered = "{\"payload\":" + payload + ",\"channel\":\"spec:x\"}";
    ASSERT_TRUE(scan_load_event(reordered));
    EXPECT_EQ(scan_load_event(reordered)->channel, "spec:x");
}

TEST(LoadPayload, ControlFramesAreNotLoadEvents) {
    const std::string subscribed =
        "{\"type\":\"subscribed\",\"channel\":\"spec:a\",\"timestamp\":\"x\",\"eventId\":\"e\","
        "\"encoding\":\"json\",\"payload\":{}}";
    EXPECT_FALSE(scan_load_event(subscribed));
    EXPECT_EQ(scan_type(subscribed), "subscribed");
}

}  // namespace
}  // namespace kata::load
