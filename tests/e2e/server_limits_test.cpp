// Heartbeat, backpressure and the bounded limits of PROTOCOL.md.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/protocol/channel.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "raw_peer.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

TEST(Heartbeat, SilentClientIsDroppedWith4408AndItsSubscriptionsFreed) {
    auto cfg = test_config();
    cfg.heartbeat.interval = 50ms;
    cfg.heartbeat.timeout = 300ms;
    running_server server(cfg);
    raw_peer silent;
    ASSERT_TRUE(silent.connect(server.port(), key_t1));
    silent.send_text(R"({"type":"subscribe","channel":"team:t1"})");
    ASSERT_TRUE(silent.read_one_text(5s));
    const auto channel = *protocol::parse_channel("team:t1");
    EXPECT_EQ(server.srv->hub().subscriber_count(channel), 1u);

    const auto started = std::chrono::steady_clock::now();
    const auto outcome = silent.read_until_close(5s);  // reads, but never answers a ping
    EXPECT_TRUE(outcome.ended);
    EXPECT_EQ(outcome.close_code, 4408);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_TRUE(eventually([&] { return server.srv->hub().subscriber_count(channel) == 0; }));
    EXPECT_TRUE(eventually([&] { return server.srv->stats().connections == 0; }));
    EXPECT_EQ(server.srv->stats().closed_heartbeat, 1u);
}

TEST(Heartbeat, ClientThatAnswersPingsStaysConnected) {
    auto cfg = test_config();
    cfg.heartbeat.interval = 50ms;
    cfg.heartbeat.timeout = 400ms;
    running_server server(cfg);
    ws_peer peer;  // Beast answers pings while it reads
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    EXPECT_FALSE(peer.next(1500ms)) << "no frame expected";
    EXPECT_FALSE(peer.closed()) << "closed with " << peer.close_code();
    peer.send({{"type", "ping"}});
    EXPECT_EQ((*peer.next())["type"], "pong");
}

TEST(Backpressure, StalledConsumerIsClosedWhileHealthySubscriberGetsEverything) {
    auto cfg = test_config();
    cfg.limits.max_queued_bytes = 256 * 1024;
    running_server server(cfg);
    raw_peer stalled;
    ASSERT_TRUE(stalled.connect(server.port(), key_t1, 4096));
    stalled.send_text(R"({"type":"subscribe","channel":"team:t1"})");
    ASSERT_TRUE(stalled.read_one_text(5s));

    ws_peer healthy;
    ASSERT_TRUE(healthy.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(healthy.subscribe("team:t1")["type"], "subscribed");

    constexpr int requests = 250;
    constexpr int per_request = 8;
    const std::string pad(4000, 'x');
    std::mutex mutex;
    std::condition_variable progress;
    int received = 0;  // guarded by mutex
    bool in_order = true;
    std::thread reader([&] {
        for (int i = 0; i < requests * per_request; ++i) {
            const auto frame = healthy.next(10s);
            if (!frame) return;
            if ((*frame)["payload"]["seq"] != i) in_order = false;
            {
                std::lock_guard lock(mutex);
                ++received;
            }
            progress.notify_all();
        }
    });
    // The healthy reader is never let fall more than `lag` requests (128 KiB) behind, half its
    // queue bound: on a loaded box its thread can be descheduled long enough for an unpaced
    // publisher to overflow it too. The stalled peer never reads, so it still overflows.
    constexpr int lag = 4;
    for (int r = 0; r < requests; ++r) {
        {
            std::unique_lock lock(mutex);
            progress.wait_for(lock, 10s, [&] { return received >= (r - lag) * per_request; });
        }
        json batch = json::array();
        for (int i = 0; i < per_request; ++i) {
            batch.push_back({{"channel", "team:t1"},
                             {"type", "log_entry"},
                             {"payload", {{"seq", r * per_request + i}, {"pad", pad}}}});
        }
        ASSERT_EQ(publish(server.port(), key_t1, {{"events", batch}}).status, 200);
    }
    reader.join();
    EXPECT_EQ(received, requests * per_request);
    EXPECT_TRUE(in_order);
    EXPECT_EQ(server.srv->stats().closed_slow_consumer, 1u);

    const auto outcome = stalled.read_until_close(5s);
    EXPECT_TRUE(outcome.ended);
    if (outcome.close_code != 0) {
        EXPECT_EQ(outcome.close_code, 4008);
    }
    EXPECT_LT(outcome.text_frames, requests * per_request);
    EXPECT_TRUE(eventually([&] { return server.srv->stats().connections == 1; }));
}

TEST(Limits, OversizedMessageClosesWith1009) {
    auto cfg = test_config();
    cfg.limits.max_message_bytes = 1024;
    running_server server(cfg);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    peer.send_text(R"({"type":"ping","requestId":")" + std::string(2000, 'a') + R"("})");
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 1009);
}

TEST(Limits, CommandFloodIsRateLimitedThenClosedWith4429) {
    auto cfg = test_config();
    cfg.limits.commands_per_second = 5;
    running_server server(cfg);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    for (int i = 0; i < 40; ++i)
        peer.send({{"type", "ping"}});
    int pongs = 0, limited = 0;
    while (auto frame = peer.next()) {
        if ((*frame)["type"] == "pong") ++pongs;
        if ((*frame)["payload"]["code"] == "rate_limited") ++limited;
    }
    EXPECT_GE(pongs, 10);   // the burst of twice the rate
    EXPECT_LE(pongs, 14);   // plus what refills while 40 frames are sent, on a slow machine
    EXPECT_GE(limited, 5);  // refusals before sustained abuse closes the connection
    EXPECT_TRUE(peer.closed());
    EXPECT_EQ(peer.close_code(), 4429);
}

// A client that floods frames as fast as its socket takes them, reading only on another thread,
// still gets the 4429 close frame (not a reset, not 4008 for the refusals it never read).
void expect_flood_closed_with_4429(protocol::ws::opcode op, const std::string& payload) {
    auto cfg = test_config();
    cfg.limits.commands_per_second = 5;
    running_server server(cfg);
    raw_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), key_t1));
    std::string burst;
    while (burst.size() < 64 * 1024)
        burst += protocol::ws::client_frame(op, payload, {1, 2, 3, 4});
    std::atomic<bool> stop{false};
    int bursts = 0;
    std::thread flooder([&] {
        // At most ~32 MiB: the server is expected to close long before.
        while (!stop.load() && bursts < 512 && peer.send_raw(burst))
            ++bursts;
    });
    const auto outcome = peer.read_until_close(20s);
    stop.store(true);
    flooder.join();
    ASSERT_TRUE(outcome.ended) << "no close after " << bursts << " bursts of 64 KiB";
    EXPECT_EQ(outcome.close_code, 4429);
    EXPECT_GE(server.srv->stats().closed_rate_limited, 1u);
}

TEST(Limits, TextFrameFloodGetsTheCloseFrame4429) {
    expect_flood_closed_with_4429(protocol::ws::opcode::text, R"({"type":"ping","id":"f"})");
}

TEST(Limits, BinaryFrameFloodGetsTheCloseFrame4429) {
    expect_flood_closed_with_4429(protocol::ws::opcode::binary, std::string(24, '\x7f'));
}

TEST(Limits, ConnectionsOverMaxAreClosedWith4429) {
    auto cfg = test_config();
    cfg.limits.max_connections = 2;
    running_server server(cfg);
    ws_peer a, b, c;
    ASSERT_TRUE(a.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(b.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(c.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(c.wait_closed());
    EXPECT_EQ(c.close_code(), 4429);
    EXPECT_EQ(a.subscribe("team:t1")["type"], "subscribed");
}

}  // namespace
}  // namespace kata::e2e
