// RFC 6455 sections 5 to 7 as the server's parser must apply them, in the spirit of the Autobahn
// test suite (which needs a live peer and a Python runtime, so it does not run here): every case
// is a byte stream and the handler calls or close code it must produce.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/protocol/ws_frame_parser.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "tests/unit/ws_recorder.hpp"

namespace kata::protocol::ws {
namespace {

using testing::binary;
using testing::close_event;
using testing::outcome;
using testing::parse_bytewise;
using testing::parse_chunked;
using testing::parse_whole;
using testing::ping;
using testing::pong;
using testing::text;
using testing::ws_event;

constexpr std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list)
        s.push_back(static_cast<char>(b));
    return s;
}

std::string masked(opcode op, std::string_view payload, bool fin = true) {
    return client_frame(op, payload, key, fin);
}

// A masked frame whose first byte (FIN, RSV, opcode) is given raw.
std::string with_first_byte(int b0, std::string_view payload) {
    auto f = client_frame(opcode::text, payload, key);
    f[0] = static_cast<char>(b0);
    return f;
}

// Same stream whole and byte by byte: the verdict must not depend on how TCP cut it.
outcome parse(const std::string& stream, parser_options options = {}) {
    const auto whole = parse_whole(stream, options);
    EXPECT_EQ(parse_bytewise(stream, options), whole) << "byte-by-byte feed differs";
    return whole;
}

void expect_error(const std::string& stream, std::uint16_t code, parser_options options = {}) {
    const auto out = parse(stream, options);
    EXPECT_EQ(out.error_code, code) << "reason: " << out.error_reason;
}

void expect_events(const std::string& stream, const std::vector<ws_event>& events,
                   parser_options options = {}) {
    const auto out = parse(stream, options);
    EXPECT_FALSE(out.error_code) << out.error_reason;
    EXPECT_EQ(out.events, events);
}

const parser_options client_role{.max_message_bytes = 1 << 20, .server_role = false};

// --- 5.7 examples, byte for byte ---

TEST(WsConformance, Rfc57SingleFrameUnmaskedText) {
    expect_events(bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), {text("Hello")}, client_role);
}

TEST(WsConformance, Rfc57SingleFrameMaskedText) {
    expect_events(bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}),
                  {text("Hello")});
}

TEST(WsConformance, Rfc57FragmentedUnmaskedText) {
    expect_events(bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f}), {text("Hello")},
                  client_role);
}

TEST(WsConformance, Rfc57UnmaskedPingAndMaskedPong) {
    expect_events(bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), {ping("Hello")}, client_role);
    expect_events(bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}),
                  {pong("Hello")});
}

TEST(WsConformance, Rfc57BinaryWith16And64BitLengths) {
    const std::string b256(256, '\x5a');
    const auto f256 = bytes({0x82, 0x7E, 0x01, 0x00}) + b256;
    EXPECT_EQ(std::string(server_frame(opcode::binary, b256).bytes()), f256);
    expect_events(f256, {binary(b256)}, client_role);

    const std::string b64k(65536, '\xa5');
    const auto f64k = bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}) + b64k;
    EXPECT_EQ(std::string(server_frame(opcode::binary, b64k).bytes()), f64k);
    expect_events(f64k, {binary(b64k)}, client_role);
}

// --- 5.4 fragmentation ---

TEST(WsConformance, MessagesOfOneToManyFragmentsReassemble) {
    const std::string message = "fragmented message text, ascii and ünïcödé";
    for (std::size_t pieces = 1; pieces <= message.size(); ++pieces) {
        std::string stream;
        const std::size_t step = (message.size() + pieces - 1) / pieces;
        std::size_t at = 0;
        for (std::size_t i = 0; i < pieces; ++i) {
            const auto part = message.substr(std::min(at, message.size()), step);
            at += step;
            stream += masked(i == 0 ? opcode::text : opcode::continuation, part, i + 1 == pieces);
        }
        expect_events(stream, {text(message)});
    }
}

TEST(WsConformance, EmptyFragmentsAndEmptyMessages) {
    expect_events(masked(opcode::text, ""), {text("")});
    expect_events(masked(opcode::binary, ""), {binary("")});
    expect_events(masked(opcode::text, "", false) + masked(opcode::continuation, "", false) +
                      masked(opcode::continuation, "ab", false) + masked(opcode::continuation, ""),
                  {text("ab")});
}

TEST(WsConformance, ControlFramesMayComeBetweenFragments) {
    expect_events(masked(opcode::binary, "one ", false) + masked(opcode::ping, "p1") +
                      masked(opcode::continuation, "two ", false) + masked(opcode::pong, "") +
                      masked(opcode::ping, "p2") + masked(opcode::continuation, "three"),
                  {ping("p1"), pong(""), ping("p2"), binary("one two three")});
}

TEST(WsConformance, CloseBetweenFragmentsEndsTheStream) {
    const auto out =
        parse(masked(opcode::text, "unfinished", false) +
              masked(opcode::close, close_body(1001, "")) + masked(opcode::continuation, "never"));
    EXPECT_FALSE(out.error_code);
    EXPECT_EQ(out.events, std::vector{close_event(1001)});
}

TEST(WsConformance, ContinuationWithoutAStartedMessageIs1002) {
    expect_error(masked(opcode::continuation, "orphan"), 1002);
    expect_error(masked(opcode::text, "done") + masked(opcode::continuation, "more"), 1002);
}

TEST(WsConformance, NewMessageWhileAFragmentedOneIsOpenIs1002) {
    expect_error(masked(opcode::text, "open", false) + masked(opcode::text, "new"), 1002);
    expect_error(masked(opcode::binary, "open", false) + masked(opcode::text, "new"), 1002);
}

// --- 5.6 / 8.1 UTF-8 ---

TEST(WsConformance, InvalidUtf8AtEveryBytePositionIs1007) {
    const std::string message = "The quick brown fox jumps over the lazy dog: €, ß, 😀.";
    for (std::size_t at = 0; at < message.size(); ++at) {
        std::string bad = message;
        bad[at] = '\xff';
        expect_error(masked(opcode::text, bad), 1007);
        // The same message cut into three fragments around the bad byte.
        const auto a = std::min(at, bad.size() / 3);
        const auto b = std::max(at + 1, 2 * bad.size() / 3);
        expect_error(masked(opcode::text, bad.substr(0, a), false) +
                         masked(opcode::continuation, bad.substr(a, b - a), false) +
                         masked(opcode::continuation, bad.substr(b)),
                     1007);
    }
}

TEST(WsConformance, InvalidUtf8IsRefusedBeforeTheMessageEnds) {
    // The first fragment already cannot be UTF-8: refused without waiting for the rest.
    const auto first = masked(opcode::text, "ok \xc0\xaf", false);
    const auto out = parse(first);
    EXPECT_EQ(out.error_code, 1007);
    // Even within one frame: the bytes so far decide, not the frame's end.
    const auto frame = masked(opcode::text, "abc\xed\xa0\x80" + std::string(100, 'x'));
    const auto partial = parse(frame.substr(0, 6 + 6));
    EXPECT_EQ(partial.error_code, 1007);
}

TEST(WsConformance, CharacterSplitAcrossFragmentsIsValid) {
    const std::string euro = "\xe2\x82\xac";
    const std::string emoji = "\xf0\x9f\x98\x80";
    for (std::size_t cut = 1; cut < emoji.size(); ++cut) {
        expect_events(masked(opcode::text, "a" + emoji.substr(0, cut), false) +
                          masked(opcode::ping, "") +
                          masked(opcode::continuation, emoji.substr(cut) + "b"),
                      {ping(""), text("a" + emoji + "b")});
    }
    expect_events(masked(opcode::text, euro.substr(0, 1), false) +
                      masked(opcode::continuation, euro.substr(1, 1), false) +
                      masked(opcode::continuation, euro.substr(2)),
                  {text(euro)});
}

TEST(WsConformance, InvalidSequenceSplitAcrossFragmentsIs1007) {
    // A surrogate (ED A0 80) whose bytes are each valid alone in their fragment.
    expect_error(masked(opcode::text, "x\xed", false) + masked(opcode::continuation, "\xa0\x80"),
                 1007);
}

TEST(WsConformance, AsciiAfterAnUnfinishedCharacterIs1007) {
    // The middle fragment is plain ASCII, which alone needs no check: here it cuts a character,
    // and the last fragment's bytes would complete it if the middle one were skipped.
    expect_error(masked(opcode::text, "a\xe2", false) +
                     masked(opcode::continuation, "bcdefghij", false) +
                     masked(opcode::continuation, "\x82\xac"),
                 1007);
    expect_error(masked(opcode::text, "a\xf0\x9f\x98", false) + masked(opcode::ping, "") +
                     masked(opcode::continuation, "x", false) +
                     masked(opcode::continuation, "\x80"),
                 1007);
}

TEST(WsConformance, IncompleteCharacterAtTheEndOfTheMessageIs1007) {
    expect_error(masked(opcode::text, "abc\xe2\x82"), 1007);
    expect_error(masked(opcode::text, "abc", false) + masked(opcode::continuation, "\xf0\x9f"),
                 1007);
}

TEST(WsConformance, BinaryMessagesAreNotCheckedForUtf8) {
    expect_events(masked(opcode::binary, "\xff\xfe\xc0\x80"), {binary("\xff\xfe\xc0\x80")});
}

// --- 5.5.1 / 7.4 close ---

TEST(WsConformance, CloseWithEmptyBodyHasNoCode) {
    expect_events(masked(opcode::close, ""), {close_event(std::nullopt)});
}

TEST(WsConformance, CloseWithOneByteBodyIs1002) {
    expect_error(masked(opcode::close, "\x03"), 1002);
}

TEST(WsConformance, EveryValidCloseCodeClassIsAccepted) {
    for (const int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                           3000, 3999, 4000, 4401, 4999}) {
        expect_events(masked(opcode::close, close_body(static_cast<std::uint16_t>(code), "why")),
                      {close_event(static_cast<std::uint16_t>(code), "why")});
    }
}

TEST(WsConformance, EveryInvalidCloseCodeClassIs1002) {
    for (const int code :
         {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
        SCOPED_TRACE(code);
        expect_error(masked(opcode::close, close_body(static_cast<std::uint16_t>(code), "")), 1002);
    }
}

TEST(WsConformance, CloseReasonMustBeUtf8) {
    expect_error(masked(opcode::close, close_body(1000, "bad \xc3")), 1007);
    expect_error(masked(opcode::close, close_body(1000, "\xed\xbf\xbf")), 1007);
    expect_events(masked(opcode::close, close_body(1000, "gut, danke ü")),
                  {close_event(1000, "gut, danke ü")});
    const std::string longest(123, 'r');
    expect_events(masked(opcode::close, close_body(1000, longest)), {close_event(1000, longest)});
}

// --- 5.5 control frames ---

TEST(WsConformance, ControlFramesUpTo125BytesAreAccepted) {
    const std::string p125(125, 'p');
    expect_events(masked(opcode::ping, p125) + masked(opcode::pong, p125),
                  {ping(p125), pong(p125)});
}

TEST(WsConformance, OversizeControlFramesAre1002) {
    expect_error(masked(opcode::ping, std::string(126, 'p')), 1002);
    expect_error(masked(opcode::pong, std::string(65536, 'p')), 1002);
    expect_error(masked(opcode::close, close_body(1000, std::string(124, 'r'))), 1002);
}

TEST(WsConformance, FragmentedControlFramesAre1002) {
    expect_error(masked(opcode::ping, "x", false), 1002);
    expect_error(masked(opcode::pong, "", false), 1002);
    expect_error(masked(opcode::close, close_body(1000, ""), false), 1002);
}

// --- 5.2 framing ---

TEST(WsConformance, ReservedOpcodesAre1002) {
    for (const int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        SCOPED_TRACE(op);
        expect_error(with_first_byte(0x80 | op, "x"), 1002);
        expect_error(with_first_byte(0x80 | op, ""), 1002);
    }
}

TEST(WsConformance, RsvBitsWithoutAnExtensionAre1002) {
    for (const int rsv : {0x40, 0x20, 0x10, 0x70}) {
        SCOPED_TRACE(rsv);
        expect_error(with_first_byte(0x81 | rsv, "x"), 1002);
        expect_error(with_first_byte(0x89 | rsv, ""), 1002);
    }
}

TEST(WsConformance, UnmaskedClientFrameIs1002) {
    expect_error(std::string(server_frame(opcode::text, "Hello").bytes()), 1002);
    expect_error(std::string(server_frame(opcode::ping, "").bytes()), 1002);
}

TEST(WsConformance, LengthWithTheTopBitSetIs1002) {
    expect_error(bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}) + bytes({1, 2, 3, 4}), 1002);
}

// --- 10.4 limits ---

TEST(WsConformance, MessageOfExactlyTheLimitIsAcceptedAndOneMoreIs1009) {
    const parser_options small{.max_message_bytes = 1000};
    const std::string at_limit(1000, 'm');
    expect_events(masked(opcode::text, at_limit), {text(at_limit)}, small);
    expect_error(masked(opcode::text, at_limit + "m"), 1009, small);
    // The same limit over a fragmented message's total.
    expect_events(masked(opcode::binary, at_limit.substr(0, 600), false) +
                      masked(opcode::continuation, at_limit.substr(600)),
                  {binary(at_limit)}, small);
    expect_error(masked(opcode::binary, at_limit.substr(0, 600), false) +
                     masked(opcode::continuation, at_limit.substr(599)),
                 1009, small);
}

TEST(WsConformance, HugeAnnouncedLengthIs1009WithoutAnyPayload) {
    expect_error(bytes({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4}),
                 1009);
}

// --- chunking ---

TEST(WsConformance, SameHandlerCallsWhateverTheChunking) {
    const std::string stream =
        masked(opcode::text, "first") + masked(opcode::ping, "are you there") +
        masked(opcode::binary, std::string(300, '\x01')) + masked(opcode::text, "frag-", false) +
        masked(opcode::pong, "") + masked(opcode::continuation, "ment-\xc3", false) +
        masked(opcode::continuation, "\xa9 end") + masked(opcode::text, std::string(70000, 't')) +
        masked(opcode::text, "") + masked(opcode::close, close_body(1000, "bye"));
    const parser_options options{.max_message_bytes = 1 << 20};
    const auto whole = parse_whole(stream, options);
    ASSERT_FALSE(whole.error_code);
    ASSERT_EQ(whole.events.size(), 8u);
    EXPECT_EQ(whole.events[4], text("frag-ment-é end"));
    EXPECT_EQ(whole.events.back(), close_event(1000, "bye"));
    EXPECT_EQ(parse_bytewise(stream, options), whole);
    std::mt19937 rng(6455);
    for (int round = 0; round < 50; ++round) {
        std::vector<std::size_t> sizes;
        std::uniform_int_distribution<std::size_t> dist(1, round % 2 ? 20 : 5000);
        for (int i = 0; i < 64; ++i)
            sizes.push_back(dist(rng));
        EXPECT_EQ(parse_chunked(stream, sizes, options), whole) << "round " << round;
    }
}

TEST(WsConformance, SameErrorWhateverTheChunking) {
    const std::string stream = masked(opcode::text, "good") + masked(opcode::binary, "b", false) +
                               masked(opcode::ping, "p") + masked(opcode::text, "bad");
    const auto whole = parse_whole(stream);
    ASSERT_EQ(whole.error_code, 1002);
    EXPECT_EQ(whole.events, (std::vector{text("good"), ping("p")}));
    std::mt19937 rng(17);
    for (int round = 0; round < 30; ++round) {
        std::vector<std::size_t> sizes;
        std::uniform_int_distribution<std::size_t> dist(1, 9);
        for (int i = 0; i < 16; ++i)
            sizes.push_back(dist(rng));
        const auto chunked = parse_chunked(stream, sizes);
        EXPECT_EQ(chunked.events, whole.events);
        EXPECT_EQ(chunked.error_code, whole.error_code);
        EXPECT_EQ(chunked.error_reason, whole.error_reason);
    }
}

}  // namespace
}  // namespace kata::protocol::ws
