// The server's own RFC 6455 framing against raw sockets: the handshake, frames that arrive with
// the upgrade request, fragmentation, close codes, and the protocol errors of PROTOCOL.md.
#include "core/protocol/ws_frame_writer.hpp"
#include "raw_peer.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

namespace ws = protocol::ws;
constexpr std::array<std::uint8_t, 4> mask{0x5a, 0x01, 0xc3, 0x7e};

std::string text_frame(const std::string& text, bool fin = true) {
    return ws::client_frame(ws::opcode::text, text, mask, fin);
}

std::string close_frame(std::uint16_t code) {
    return ws::client_frame(ws::opcode::close, ws::close_body(code, ""), mask);
}

const std::string subscribe_t1 = R"({"type":"subscribe","channel":"team:t1","requestId":"a"})";

TEST(Frames, CommandsSentWithTheUpgradeRequestAreServed) {
    running_server server;
    raw_peer peer;
    ASSERT_TRUE(peer.connect_with(server.port(), key_t1, "", text_frame(subscribe_t1)));
    const auto answer = peer.next_text(5s);
    ASSERT_TRUE(answer);
    EXPECT_EQ(json::parse(*answer)["type"], "subscribed");
}

TEST(Frames, PermessageDeflateIsAcceptedAndTheSubprotocolSelected) {
    running_server server;
    raw_peer peer;
    ASSERT_TRUE(peer.connect_with(server.port(), key_t1,
                                  "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                                  "Sec-WebSocket-Protocol: other, kata-rt.v1\r\n",
                                  ""));
    EXPECT_NE(peer.response_head().find(
                  "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
                  "client_no_context_takeover\r\n"),
              std::string::npos);
    EXPECT_NE(peer.response_head().find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
              std::string::npos);
    EXPECT_NE(peer.response_head().find("Sec-WebSocket-Protocol: kata-rt.v1"), std::string::npos);
}

TEST(Frames, OtherExtensionsAreDeclined) {
    running_server server;
    raw_peer peer;
    ASSERT_TRUE(peer.connect_with(server.port(), key_t1,
                                  "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n", ""));
    EXPECT_EQ(peer.response_head().find("Sec-WebSocket-Extensions"), std::string::npos);
}

TEST(Frames, AFragmentedCommandWithPingsBetweenIsReassembled) {
    running_server server;
    raw_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), key_t1));
    const auto half = subscribe_t1.size() / 2;
    peer.send_raw(ws::client_frame(ws::opcode::text, subscribe_t1.substr(0, half), mask, false) +
                  ws::client_frame(ws::opcode::ping, "p", mask) +
                  ws::client_frame(ws::opcode::continuation, subscribe_t1.substr(half), mask));
    const auto answer = peer.next_text(5s);
    ASSERT_TRUE(answer);
    EXPECT_EQ(json::parse(*answer)["type"], "subscribed");
}

TEST(Frames, CloseCodesOutsideTheRegisteredRangesAreAnsweredWith1002) {
    running_server server;
    for (const std::uint16_t code : {5000, 1004, 999, 2999}) {
        raw_peer peer;
        ASSERT_TRUE(peer.connect(server.port(), key_t1));
        peer.send_raw(close_frame(code));
        const auto outcome = peer.read_until_close(5s);
        EXPECT_EQ(outcome.close_code, 1002) << code;
    }
}

TEST(Frames, RegisteredAndPrivateCloseCodesAreEchoed) {
    running_server server;
    for (const std::uint16_t code : {1000, 1014, 3000, 4999}) {
        raw_peer peer;
        ASSERT_TRUE(peer.connect(server.port(), key_t1));
        peer.send_raw(close_frame(code));
        const auto outcome = peer.read_until_close(5s);
        EXPECT_EQ(outcome.close_code, code);
    }
}

TEST(Frames, InvalidUtf8Closes1007AndUnmaskedFramesClose1002) {
    running_server server;
    raw_peer bad_text;
    ASSERT_TRUE(bad_text.connect(server.port(), key_t1));
    bad_text.send_raw(text_frame("{\"type\":\"ping\",\"x\":\"\xc3\x28\"}"));
    EXPECT_EQ(bad_text.read_until_close(5s).close_code, 1007);
    raw_peer unmasked;
    ASSERT_TRUE(unmasked.connect(server.port(), key_t1));
    unmasked.send_raw(std::string("\x81\x02hi", 4));
    EXPECT_EQ(unmasked.read_until_close(5s).close_code, 1002);
}

TEST(Frames, BinaryFramesCountTowardTheCommandRateLimit) {
    auto cfg = test_config();
    cfg.limits.commands_per_second = 5;
    running_server server(cfg);
    raw_peer peer;
    ASSERT_TRUE(peer.connect(server.port(), key_t1));
    std::string flood;
    for (int i = 0; i < 200; ++i)
        flood += ws::client_frame(ws::opcode::binary, "x", mask);
    peer.send_raw(flood);
    EXPECT_EQ(peer.read_until_close(5s).close_code, 4429);
}

TEST(Handshake, AnUnsupportedVersionGets426WithAJsonBody) {
    running_server server;
    const auto res = http_raw(server.port(),
                              "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Version: 8\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Authorization: Bearer " +
                                  key_t1 + "\r\n\r\n");
    EXPECT_EQ(res.status, 426);
    EXPECT_EQ(res.body["error"]["code"], "unsupported_version");
}

TEST(Handshake, AMissingKeyGets400WithAJsonBody) {
    running_server server;
    const auto res = http_raw(server.port(),
                              "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                              "Authorization: Bearer " +
                                  key_t1 + "\r\n\r\n");
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(res.body["error"]["code"], "bad_handshake");
}

TEST(Handshake, ARefusedUpgradeIsCutAfterTheCloseGraceWhenTheClientNeverAnswers) {
    running_server server;
    raw_peer peer;  // never answers the close frame
    ASSERT_TRUE(peer.connect(server.port(), "unknown-key"));
    const auto started = std::chrono::steady_clock::now();
    auto outcome = peer.read_until_close(10s);
    EXPECT_EQ(outcome.close_code, 4401);
    outcome = peer.read_until_close(10s);  // then the socket itself
    EXPECT_TRUE(outcome.ended);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s) << "1 s grace, not 5 s";
}

}  // namespace
}  // namespace kata::e2e
