// The parser's own contract (views, memory, stopping, roles); the RFC 6455 rules themselves are
// in ws_conformance_test.cpp.
#include "core/protocol/ws_frame_parser.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#if defined(__SANITIZE_ADDRESS__)
#define KATA_RT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KATA_RT_ASAN 1
#endif
#endif
#ifdef KATA_RT_ASAN
// From <sanitizer/allocator_interface.h>, which not every compiler package installs.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

#include <string>

#include "core/protocol/ws_frame_writer.hpp"
#include "tests/unit/ws_recorder.hpp"

namespace kata::protocol::ws {
namespace {

using testing::close_event;
using testing::ping;
using testing::recorder;
using testing::text;

constexpr std::array<std::uint8_t, 4> mask{0x11, 0x22, 0x33, 0x44};

std::span<char> span_of(std::string& s) {
    return {s.data(), s.size()};
}

// Bytes allocated on the heap right now (ASan replaces malloc, and glibc's count with it).
std::size_t heap_in_use() {
#ifdef KATA_RT_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

// Records where each message's bytes live, to tell a view into the input from a copy.
class view_recorder : public frame_handler {
  public:
    std::vector<const char*> where;
    std::vector<std::string> messages;
    bool on_text(std::string_view m) override { return add(m); }
    bool on_binary(std::string_view m) override { return add(m); }
    bool on_ping(std::string_view p) override { return add(p); }
    bool on_pong(std::string_view p) override { return add(p); }
    void on_close(std::optional<std::uint16_t>, std::string_view) override {}

  private:
    bool add(std::string_view m) {
        where.push_back(m.data());
        messages.emplace_back(m);
        return true;
    }
};

// Counts messages without allocating, so heap use is the parser's alone.
class null_handler : public frame_handler {
  public:
    int messages = 0;
    bool on_text(std::string_view) override { return ++messages, true; }
    bool on_binary(std::string_view) override { return ++messages, true; }
    bool on_ping(std::string_view) override { return true; }
    bool on_pong(std::string_view) override { return true; }
    void on_close(std::optional<std::uint16_t>, std::string_view) override {}
};

TEST(WsFrameParser, WholeFrameIsDeliveredAsAViewIntoTheUnmaskedInput) {
    std::string input =
        client_frame(opcode::text, "hello, in place", mask) + client_frame(opcode::ping, "p", mask);
    frame_parser parser;
    view_recorder rec;
    const auto result = parser.feed(span_of(input), rec);
    EXPECT_EQ(result.consumed, input.size());
    ASSERT_EQ(rec.messages.size(), 2u);
    EXPECT_EQ(rec.messages[0], "hello, in place");
    EXPECT_EQ(rec.where[0], input.data() + 2 + 4);
    EXPECT_EQ(rec.where[1], input.data() + input.size() - 1);
    EXPECT_EQ(input.substr(6, 15), "hello, in place");  // unmasked where it lay
    EXPECT_FALSE(parser.holds_partial());
}

TEST(WsFrameParser, IncompleteFrameIsHeldUntilItCompletes) {
    std::string frame = client_frame(opcode::binary, std::string(300, 'b'), mask);
    frame_parser parser;
    recorder rec;
    for (const std::size_t cut : {1u, 3u, 8u, 100u}) {
        std::string piece = frame.substr(0, cut);
        frame.erase(0, cut);
        EXPECT_EQ(parser.feed(span_of(piece), rec).consumed, cut);
        EXPECT_TRUE(parser.holds_partial());
        EXPECT_TRUE(rec.events.empty());
    }
    EXPECT_EQ(parser.feed(span_of(frame), rec).consumed, frame.size());
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].payload, std::string(300, 'b'));
    EXPECT_FALSE(parser.holds_partial());
}

TEST(WsFrameParser, OpenFragmentedMessageCountsAsPartial) {
    std::string first = client_frame(opcode::text, "part", mask, false);
    frame_parser parser;
    recorder rec;
    parser.feed(span_of(first), rec);
    EXPECT_TRUE(parser.holds_partial());
    std::string last = client_frame(opcode::continuation, "", mask);
    parser.feed(span_of(last), rec);
    EXPECT_FALSE(parser.holds_partial());
    EXPECT_EQ(rec.events, std::vector{text("part")});
}

TEST(WsFrameParser, ReleaseMemoryGivesBackWhatALargeMessageLeft) {
    std::string frame = client_frame(opcode::binary, std::string(16000, 'x'), mask);
    std::string head = frame.substr(0, 8000);
    std::string tail = frame.substr(8000);
    null_handler rec;
    frame_parser parser;
    const auto before = heap_in_use();
    parser.feed(span_of(head), rec);
    EXPECT_GT(heap_in_use(), before + 7000);  // the partial message is held
    parser.feed(span_of(tail), rec);
    EXPECT_EQ(rec.messages, 1);
    parser.release_memory();
    EXPECT_FALSE(parser.holds_partial());
    EXPECT_LE(heap_in_use(), before);  // an idle parser owns no heap memory
}

TEST(WsFrameParser, ReleaseMemoryKeepsWhatIsStillPartial) {
    std::string frame = client_frame(opcode::text, std::string(1000, 'y'), mask);
    std::string head = frame.substr(0, 500);
    std::string tail = frame.substr(500);
    frame_parser parser;
    recorder rec;
    parser.feed(span_of(head), rec);
    parser.release_memory();
    parser.feed(span_of(tail), rec);
    EXPECT_EQ(rec.events, std::vector{text(std::string(1000, 'y'))});
}

TEST(WsFrameParser, HandlerReturningFalseStopsAfterItsFrame) {
    const std::string a = client_frame(opcode::text, "a", mask);
    std::string input = a + client_frame(opcode::text, "b", mask);
    frame_parser parser;
    recorder rec;
    rec.stop_after = 1;
    const auto result = parser.feed(span_of(input), rec);
    EXPECT_EQ(result.consumed, a.size());
    EXPECT_FALSE(result.error);
    EXPECT_EQ(rec.events, std::vector{text("a")});
    // The rest can still be fed: the parser stopped between frames.
    rec.stop_after = 100;
    std::string rest = input.substr(a.size());
    EXPECT_EQ(parser.feed(span_of(rest), rec).consumed, rest.size());
    EXPECT_EQ(rec.events, (std::vector{text("a"), text("b")}));
}

TEST(WsFrameParser, NothingIsConsumedAfterACloseFrame) {
    const std::string close = client_frame(opcode::close, close_body(1000, "bye"), mask);
    std::string input = close + client_frame(opcode::text, "late", mask);
    frame_parser parser;
    recorder rec;
    const auto result = parser.feed(span_of(input), rec);
    EXPECT_EQ(result.consumed, close.size());
    EXPECT_FALSE(result.error);
    EXPECT_TRUE(parser.closed());
    EXPECT_EQ(rec.events, std::vector{close_event(1000, "bye")});
    std::string more = client_frame(opcode::ping, "", mask);
    EXPECT_EQ(parser.feed(span_of(more), rec).consumed, 0u);
    EXPECT_EQ(rec.events.size(), 1u);
}

TEST(WsFrameParser, FailedParserRefusesEverythingAfter) {
    std::string bad = "\x81\x05Hello";  // unmasked client frame
    frame_parser parser;
    recorder rec;
    const auto result = parser.feed(span_of(bad), rec);
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->close_code, 1002);
    EXPECT_TRUE(parser.failed());
    std::string good = client_frame(opcode::text, "ok", mask);
    const auto again = parser.feed(span_of(good), rec);
    EXPECT_EQ(again.consumed, 0u);
    ASSERT_TRUE(again.error);
    EXPECT_EQ(again.error->close_code, 1002);
    EXPECT_TRUE(rec.events.empty());
}

TEST(WsFrameParser, FailureDropsWhatWasHeld) {
    std::string input = client_frame(opcode::text, std::string(500, 'a'), mask, false) +
                        client_frame(opcode::continuation, "\xc0", mask);
    frame_parser parser;
    recorder rec;
    const auto result = parser.feed(span_of(input), rec);
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->close_code, 1007);
    EXPECT_FALSE(parser.holds_partial());
}

TEST(WsFrameParser, ErrorReasonsAreShortAscii) {
    for (std::string bad : {std::string("\x81\x05Hello"), std::string("\xc1\x80\0\0\0\0", 6),
                            client_frame(opcode::text, "\xff", mask)}) {
        const auto out = testing::parse_whole(bad);
        ASSERT_TRUE(out.error_code);
        EXPECT_FALSE(out.error_reason.empty());
        EXPECT_LT(out.error_reason.size(), 123u);
        for (const char c : out.error_reason)
            EXPECT_TRUE(c >= 0x20 && c < 0x7f);
    }
}

TEST(WsFrameParser, TooBigIsRefusedFromTheHeaderBeforeThePayloadArrives) {
    frame_parser parser(parser_options{.max_message_bytes = 100});
    recorder rec;
    std::string frame = client_frame(opcode::binary, std::string(101, 'z'), mask);
    std::string header = frame.substr(0, 6);
    const auto result = parser.feed(span_of(header), rec);
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->close_code, 1009);
    EXPECT_FALSE(parser.holds_partial());
}

TEST(WsFrameParser, ClientRoleReadsUnmaskedServerFrames) {
    const parser_options client{.server_role = false};
    const auto out =
        testing::parse_bytewise(std::string(server_frame(opcode::text, "from server").bytes()) +
                                    std::string(server_frame(opcode::ping, "hb").bytes()),
                                client);
    EXPECT_FALSE(out.error_code);
    EXPECT_EQ(out.events, (std::vector{text("from server"), ping("hb")}));
}

TEST(WsFrameParser, ClientRoleRefusesMaskedFrames) {
    const auto out =
        testing::parse_whole(client_frame(opcode::text, "x", mask), {.server_role = false});
    EXPECT_EQ(out.error_code, 1002);
    EXPECT_TRUE(out.events.empty());
}

TEST(WsFrameParser, PeerCloseCodesFollowTheRegistry) {
    for (int code = 0; code < 65536; ++code) {
        const bool expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                              (code >= 3000 && code <= 4999);
        ASSERT_EQ(valid_peer_close_code(static_cast<std::uint16_t>(code)), expected) << code;
    }
    EXPECT_TRUE(valid_peer_close_code(1014));
    EXPECT_FALSE(valid_peer_close_code(1015));
}

// Every connection holds a parser, so its size is part of the idle connection's cost; the
// permessage-deflate "compressed message" flag must not grow it (it shares the opcode's byte).
TEST(WsFrameParser, AParserHeldByEveryConnectionIsAtMost120Bytes) {
    EXPECT_LE(sizeof(frame_parser), 120u);
    frame_parser with_deflate({.deflate = true});
    EXPECT_FALSE(with_deflate.holds_partial());
}

}  // namespace
}  // namespace kata::protocol::ws
