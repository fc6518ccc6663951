// What a load subscriber does with the server's frames, through the real client-role parser:
// accounting of deliveries, the `subscribed` answer, pongs for pings, and the close handshake.
#include "load/subscriber_frames.hpp"

#include <gtest/gtest.h>

#include <span>

#include "core/protocol/ws_frame_writer.hpp"
#include "load/payload.hpp"

namespace kata::load {
namespace {

namespace ws = protocol::ws;
using clock_type = std::chrono::steady_clock;

std::string event_json(std::string_view channel, std::uint64_t seq, std::int64_t t,
                       std::string_view event_id = "evt_1") {
    return "{\"type\":\"log_entry\",\"channel\":\"" + std::string(channel) +
           "\",\"timestamp\":\"2026-11-26T12:00:00.000Z\",\"eventId\":\"" + std::string(event_id) +
           "\",\"encoding\":\"json\",\"payload\":" + make_payload(seq, t, 64) + "}";
}

std::string text(std::string_view json) {
    return std::string(ws::server_frame(ws::opcode::text, json).bytes());
}

constexpr std::string_view subscribed_json =
    "{\"type\":\"subscribed\",\"channel\":\"spec:load-0\",\"payload\":{\"requestId\":null}}";

// One subscriber (local index 0) on spec:load-0, fed through a client-role parser.
struct fixture {
    explicit fixture(bool resuming = false, bool track_ids = false)
        : state({0}, 1),
          frames(state,
                 {.local = 0,
                  .channel = "spec:load-0",
                  .resuming = resuming,
                  .t0 = clock_type::now(),
                  .subscribe_sent = clock_type::now(),
                  .track_ids = track_ids,
                  .close_sent = &close_sent},
                 last_event_id, rng) {}

    ws::feed_result feed(std::string bytes) {
        return parser.feed(std::span<char>(bytes.data(), bytes.size()), frames);
    }

    subscriber_state state;
    std::string last_event_id;
    std::mt19937 rng{7};
    bool close_sent = false;
    ws::frame_parser parser{{.max_message_bytes = 1 << 20, .server_role = false}};
    subscriber_frames frames;
};

TEST(SubscriberFrames, EventsCountOnlyAfterSubscribed) {
    fixture f;
    f.frames.set_now(10'000);
    // An event before `subscribed` (the subscribe is not answered yet) is not ours to count.
    f.feed(text(event_json("spec:load-0", 0, 9'000)));
    EXPECT_EQ(f.state.deliveries, 0u);
    EXPECT_FALSE(f.frames.subscribed());

    f.feed(text(subscribed_json) + text(event_json("spec:load-0", 0, 9'000)) +
           text(event_json("spec:load-0", 1, 9'500)));
    EXPECT_TRUE(f.frames.subscribed());
    EXPECT_EQ(f.state.phase[0], connection_phase::subscribed);
    EXPECT_EQ(f.state.subscribed, 1u);
    EXPECT_EQ(f.state.settled, 1u);
    EXPECT_EQ(f.state.connect_latency.count(), 1u);
    EXPECT_EQ(f.state.deliveries, 2u);
    EXPECT_EQ(f.state.tallies[0].distinct(), 2u);
    // Latency is the stamped receive time minus the intended send time in the payload.
    EXPECT_EQ(f.state.latency.count(), 2u);
    EXPECT_EQ(f.state.latency.max(), 1'000u);
    EXPECT_EQ(f.state.latency.min(), 500u);
    EXPECT_EQ(f.state.latency_interval.count(), 2u);
}

TEST(SubscriberFrames, DuplicatesReorderingAndForeignChannelsAreToldApart) {
    fixture f;
    f.frames.set_now(1'000);
    f.feed(text(subscribed_json) + text(event_json("spec:load-0", 1, 0)) +
           text(event_json("spec:load-0", 0, 0)) + text(event_json("spec:load-0", 1, 0)) +
           text(event_json("spec:load-9", 2, 0)));
    EXPECT_EQ(f.state.deliveries, 2u);
    EXPECT_EQ(f.state.tallies[0].distinct(), 2u);
    EXPECT_EQ(f.state.tallies[0].reordered(), 1u);
    EXPECT_EQ(f.state.tallies[0].duplicated(), 1u);
    EXPECT_EQ(f.state.latency.count(), 2u);  // first deliveries only
}

TEST(SubscriberFrames, AnEventSplitAcrossReadsIsCountedOnce) {
    fixture f;
    f.feed(text(subscribed_json));
    const auto frame = text(event_json("spec:load-0", 0, 0));
    for (std::size_t at = 0; at < frame.size(); at += 7)
        f.feed(frame.substr(at, 7));
    EXPECT_EQ(f.state.deliveries, 1u);
}

TEST(SubscriberFrames, AResumeCountsAsResumedWithItsRecoveredAnswer) {
    fixture f(/*resuming=*/true, /*track_ids=*/true);
    f.feed(text("{\"type\":\"subscribed\",\"channel\":\"spec:load-0\",\"payload\":"
                "{\"requestId\":null,\"recovered\":false}}") +
           text(event_json("spec:load-0", 4, 0, "evt_abc_5")));
    EXPECT_EQ(f.state.resumed, 1u);
    EXPECT_EQ(f.state.unrecovered, 1u);
    EXPECT_EQ(f.state.reconnect_latency.count(), 1u);
    EXPECT_EQ(f.state.subscribed, 0u);  // counted once, at the first connection
    EXPECT_EQ(f.state.connect_latency.count(), 0u);
    EXPECT_EQ(f.last_event_id, "evt_abc_5");
}

TEST(SubscriberFrames, AnErrorAnswerRefusesTheSubscription) {
    fixture f;
    const auto result = f.feed(text("{\"type\":\"error\",\"payload\":{\"code\":\"forbidden\"}}") +
                               text(subscribed_json));
    EXPECT_FALSE(f.frames.subscribed());
    EXPECT_NE(f.frames.refused().find("forbidden"), std::string::npos);
    EXPECT_FALSE(result.error);
}

TEST(SubscriberFrames, APingIsAnsweredWithAMaskedPongOfTheSamePayload) {
    fixture f;
    f.feed(std::string(ws::server_frame(ws::opcode::ping, "hb-1").bytes()));
    ASSERT_FALSE(f.frames.replies().empty());
    // What we send must parse as a pong from a client (masked) with the same payload.
    struct pongs : ws::frame_handler {
        std::vector<std::string> seen;
        bool on_text(std::string_view) override { return true; }
        bool on_binary(std::string_view) override { return true; }
        bool on_ping(std::string_view) override { return true; }
        bool on_pong(std::string_view p) override {
            seen.emplace_back(p);
            return true;
        }
        void on_close(std::optional<std::uint16_t>, std::string_view) override {}
    } server_side;
    ws::frame_parser server_parser{{.max_message_bytes = 1024, .server_role = true}};
    auto& bytes = f.frames.replies();
    const auto result =
        server_parser.feed(std::span<char>(bytes.data(), bytes.size()), server_side);
    EXPECT_FALSE(result.error);
    ASSERT_EQ(server_side.seen.size(), 1u);
    EXPECT_EQ(server_side.seen[0], "hb-1");
}

TEST(SubscriberFrames, TheServersCloseIsEchoedUnlessWeClosedFirst) {
    fixture f;
    f.feed(std::string(ws::server_frame(ws::opcode::close, ws::close_body(1001, "bye")).bytes()));
    ASSERT_TRUE(f.frames.peer_close());
    EXPECT_EQ(*f.frames.peer_close(), 1001);
    EXPECT_EQ(f.frames.peer_close_reason(), "bye");
    EXPECT_FALSE(f.frames.replies().empty());  // the echo

    fixture g;
    g.close_sent = true;
    g.feed(std::string(ws::server_frame(ws::opcode::close, ws::close_body(1000, "")).bytes()));
    ASSERT_TRUE(g.frames.peer_close());
    EXPECT_EQ(*g.frames.peer_close(), 1000);
    EXPECT_TRUE(g.frames.replies().empty());  // the server's close answered ours

    fixture h;
    h.feed(std::string(ws::server_frame(ws::opcode::close, "").bytes()));
    ASSERT_TRUE(h.frames.peer_close());
    EXPECT_EQ(*h.frames.peer_close(), 1005);  // no status code in the frame
}

}  // namespace
}  // namespace kata::load
