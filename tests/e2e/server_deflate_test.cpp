// permessage-deflate against the in-process server with raw sockets: what is negotiated, one
// compression per event shared by every deflate subscriber, plain frames for the others,
// compressed commands, and the bounds on what a client's compressed frame may cost.
#include <libdeflate.h>

#include <fstream>

#include "core/protocol/deflate/compressor.hpp"
#include "core/protocol/deflate/inflater.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "prometheus_process.hpp"
#include "raw_peer.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

namespace ws = protocol::ws;
constexpr std::array<std::uint8_t, 4> mask{0x5a, 0x01, 0xc3, 0x7e};
const std::string offer =
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
const std::string subscribe_t1 = R"({"type":"subscribe","channel":"team:t1","requestId":"a"})";
// Long enough to compress (a short command does not shrink).
const std::string subscribe_t1_long =
    R"({"type":"subscribe","channel":"team:t1","requestId":")" + std::string(120, 'a') + R"("})";

// A client's compressed frame; `one_stream`: the whole message as one DEFLATE stream ending in
// a final block (the best ratio, about 1:1000, for bombs), else as our compressor makes it.
std::string compressed_frame(ws::opcode op, std::string_view message, bool one_stream = false,
                             int level = 12) {
    std::string z;
    if (one_stream) {
        auto* c = libdeflate_alloc_compressor(level);
        z.resize(libdeflate_deflate_compress_bound(c, message.size()));
        z.resize(
            libdeflate_deflate_compress(c, message.data(), message.size(), z.data(), z.size()));
        libdeflate_free_compressor(c);
    } else {
        protocol::deflate::compressor c(6);
        EXPECT_TRUE(c.compress(message, z));
    }
    auto f = ws::client_frame(op, z, mask);
    f[0] = static_cast<char>(f[0] | 0x40);
    return f;
}

std::string inflate(const std::string& payload) {
    protocol::deflate::inflater inf;
    const auto r = inf.inflate(payload, 1 << 20);
    EXPECT_EQ(r.st, protocol::deflate::inflater::status::ok);
    return std::string(r.message);
}

json log_line(std::size_t bytes) {
    std::string line;
    while (line.size() < bytes)
        line += "2026-12-07T20:41:07.123Z INFO [agent-7] cargo build: Compiling serde v1.0 ";
    return json{{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", {{"line", line}}}};
}

bool subscribed(raw_peer& peer) {
    const auto answer = peer.next_text(5s);
    const bool ok = answer && json::parse(*answer)["type"] == "subscribed";
    if (!ok) ADD_FAILURE() << "instead of subscribed: " << answer.value_or("nothing");
    return ok;
}

TEST(Deflate, OneCompressionServesEveryDeflateSubscriberAndPlainPeersGetPlain) {
    running_server server;
    raw_peer z1, z2, plain;
    ASSERT_TRUE(z1.connect_with(server.port(), key_t1, offer, ""));
    ASSERT_TRUE(z2.connect_with(server.port(), key_t1, offer, ""));
    ASSERT_TRUE(plain.connect(server.port(), key_t1));
    for (raw_peer* p : {&z1, &z2, &plain}) {
        p->send_raw(ws::client_frame(ws::opcode::text, subscribe_t1, mask));
        ASSERT_TRUE(subscribed(*p));
    }
    ASSERT_EQ(publish(server.port(), key_t1, log_line(600)).status, 200);
    bool c1 = false, c2 = false, c3 = true;
    const auto m1 = z1.next_text(5s, &c1);
    const auto m2 = z2.next_text(5s, &c2);
    const auto m3 = plain.next_text(5s, &c3);
    ASSERT_TRUE(m1 && m2 && m3);
    EXPECT_TRUE(c1);
    EXPECT_TRUE(c2);
    EXPECT_FALSE(c3);
    EXPECT_EQ(*m1, *m2);  // the same bytes
    EXPECT_LT(m1->size() * 3, m3->size());
    EXPECT_EQ(inflate(*m1), *m3);  // byte-identical once inflated
    // A small event goes plain to everyone.
    ASSERT_EQ(publish(server.port(), key_t1, log_line(10)).status, 200);
    const auto small = z1.next_text(5s, &c1);
    ASSERT_TRUE(small);
    EXPECT_FALSE(c1);
    EXPECT_EQ(json::parse(*small)["type"], "log_entry");

    const auto metrics = http_request(server.port(), "GET", "/metrics").text;
    EXPECT_EQ(metric_value(metrics, "kata_rt_event_compressions_total"), 1) << metrics;
    EXPECT_EQ(metric_value(metrics, "kata_rt_events_framed_total"), 2) << metrics;
    // Wire bytes are less than the same frames uncompressed.
    EXPECT_LT(metric_value(metrics, "kata_rt_written_bytes_total").value_or(0),
              metric_value(metrics, "kata_rt_written_payload_bytes_total").value_or(0));
}

TEST(Deflate, ACompressedCommandIsServedAndMixesWithPlainOnes) {
    running_server server;
    raw_peer peer;
    ASSERT_TRUE(peer.connect_with(server.port(), key_t1, offer, ""));
    peer.send_raw(compressed_frame(ws::opcode::text, subscribe_t1_long));
    ASSERT_TRUE(subscribed(peer));
    peer.send_raw(ws::client_frame(ws::opcode::text, R"({"type":"ping","requestId":"p"})", mask));
    const auto pong = peer.next_text(5s);
    ASSERT_TRUE(pong);
    EXPECT_EQ(json::parse(*pong)["type"], "pong");
}

TEST(Deflate, Rsv1WithoutTheExtensionOrOnAControlFrameIs1002) {
    running_server server;
    {
        raw_peer peer;
        ASSERT_TRUE(peer.connect(server.port(), key_t1));
        peer.send_raw(compressed_frame(ws::opcode::text, subscribe_t1_long));
        EXPECT_EQ(peer.read_until_close(5s).close_code, 1002);
    }
    {
        raw_peer peer;
        ASSERT_TRUE(peer.connect_with(server.port(), key_t1, offer, ""));
        auto ping = ws::client_frame(ws::opcode::ping, "x", mask);
        ping[0] = static_cast<char>(ping[0] | 0x40);
        peer.send_raw(ping);
        EXPECT_EQ(peer.read_until_close(5s).close_code, 1002);
    }
}

TEST(Deflate, InvalidCompressedDataIs1007) {
    running_server server;
    raw_peer peer;
    ASSERT_TRUE(peer.connect_with(server.port(), key_t1, offer, ""));
    auto bad = ws::client_frame(ws::opcode::text, "\xff\xff\xff\xff", mask);
    bad[0] = static_cast<char>(bad[0] | 0x40);
    peer.send_raw(bad);
    EXPECT_EQ(peer.read_until_close(5s).close_code, 1007);
}

std::size_t peak_rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
    }
    return 0;
}

TEST(Deflate, AFrameThatInflatesPastTheLimitIs1009AndCostsNoMemory) {
    auto cfg = test_config();
    cfg.limits.max_message_bytes = 128 * 1024;
    running_server server(cfg);
    // About a kilobyte that inflates to a megabyte (the DEFLATE ceiling is ~1032:1).
    const std::string small_bomb =
        compressed_frame(ws::opcode::text, std::string(1 << 20, 'a'), true);
    EXPECT_LT(small_bomb.size(), 1100u);
    // 64 KiB that would inflate to 64 MiB: unbounded inflating would show in the peak RSS.
    const std::string big_bomb =
        compressed_frame(ws::opcode::text, std::string(64u << 20, 'a'), true, 1);
    ASSERT_LT(big_bomb.size(), cfg.limits.max_message_bytes);
    {
        raw_peer warm;  // the worker's inflater and buffers exist before the baseline
        ASSERT_TRUE(warm.connect_with(server.port(), key_t1, offer, ""));
        warm.send_raw(compressed_frame(ws::opcode::text, subscribe_t1_long));
        ASSERT_TRUE(subscribed(warm));
    }
    const auto before = peak_rss_kib();
    for (const auto* bomb : {&small_bomb, &big_bomb}) {
        raw_peer peer;
        ASSERT_TRUE(peer.connect_with(server.port(), key_t1, offer, ""));
        peer.send_raw(*bomb);
        EXPECT_EQ(peer.read_until_close(10s).close_code, 1009);
    }
    EXPECT_LT(peak_rss_kib(), before + 16 * 1024)
        << "peak RSS grew by " << peak_rss_kib() - before << " KiB";
}

TEST(Deflate, CompressedFramesCountTowardTheCommandRateLimit) {
    auto cfg = test_config();
    cfg.limits.commands_per_second = 1;  // a burst of 2
    running_server server(cfg);
    raw_peer peer;
    ASSERT_TRUE(peer.connect_with(server.port(), key_t1, offer, ""));
    const auto ping = compressed_frame(
        ws::opcode::text, R"({"type":"ping","requestId":")" + std::string(120, 'p') + R"("})");
    std::string burst;
    for (int i = 0; i < 6; ++i)
        burst += ping;
    peer.send_raw(burst);
    int pongs = 0, limited = 0;
    while (const auto m = peer.next_text(3s)) {
        const auto doc = json::parse(*m);
        if (doc["type"] == "pong") ++pongs;
        if (doc["type"] == "error" && doc["payload"]["code"] == "rate_limited") ++limited;
        if (pongs + limited == 6) break;
    }
    EXPECT_GE(pongs, 1);  // compressed pings are answered...
    EXPECT_LE(pongs, 3);  // ... within the burst of 2 (and what refills meanwhile)
    EXPECT_GE(limited, 1);
}

TEST(Deflate, TurnedOffInTheConfigNothingIsNegotiated) {
    auto cfg = test_config();
    cfg.compression.enabled = false;
    running_server server(cfg);
    raw_peer peer;
    ASSERT_TRUE(peer.connect_with(server.port(), key_t1, offer, ""));
    EXPECT_EQ(peer.response_head().find("Sec-WebSocket-Extensions"), std::string::npos);
    peer.send_raw(compressed_frame(ws::opcode::text, subscribe_t1_long));
    EXPECT_EQ(peer.read_until_close(5s).close_code, 1002);
}

}  // namespace
}  // namespace kata::e2e
