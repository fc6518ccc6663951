// The frame parser with permessage-deflate: compressed messages, the RSV1 rules and the bounds.
#include <gtest/gtest.h>
#include <libdeflate.h>

#include <string>

#include "core/protocol/deflate/compressor.hpp"
#include "core/protocol/deflate/inflater.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "tests/unit/ws_recorder.hpp"

namespace kata::protocol::ws {
namespace {

constexpr std::array<std::uint8_t, 4> mask{0x12, 0x34, 0x56, 0x78};

class deflate_recorder : public testing::recorder {
  public:
    deflate::inflater inf;
    bool admit = true;
    int admitted = 0;
    bool admit_compressed() override {
        ++admitted;
        return admit;
    }
    deflate::inflater* inflater() override { return &inf; }
};

// One DEFLATE stream of the whole input (ending in a final block), as any zlib-based peer may
// send: the best ratio DEFLATE allows, about 1:1000, for bombs.
std::string one_stream(std::string_view in, int level = 12) {
    auto* c = libdeflate_alloc_compressor(level);
    std::string out(libdeflate_deflate_compress_bound(c, in.size()), '\0');
    out.resize(libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size()));
    libdeflate_free_compressor(c);
    return out;
}

std::string compress(std::string_view text) {
    deflate::compressor c(6);
    std::string out;
    EXPECT_TRUE(c.compress(text, out));
    return out;
}

// A masked client frame with RSV1 set.
std::string compressed_frame(opcode op, std::string_view payload, bool fin = true) {
    auto f = client_frame(op, payload, mask, fin);
    f[0] = static_cast<char>(f[0] | 0x40);
    return f;
}

struct result {
    std::vector<testing::ws_event> events;
    std::optional<std::uint16_t> error;
    int admitted = 0;
};

result parse(std::string stream, bool deflate = true, std::size_t max = 16384, bool admit = true,
             std::size_t chunk = 0) {
    frame_parser parser({.max_message_bytes = max, .server_role = true, .deflate = deflate});
    deflate_recorder rec;
    rec.admit = admit;
    result out;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        const std::size_t n = chunk ? std::min(chunk, stream.size() - pos) : stream.size() - pos;
        const auto r = parser.feed(std::span<char>(stream.data() + pos, n), rec);
        pos += n;
        if (r.error) {
            out.error = r.error->close_code;
            break;
        }
    }
    out.events = rec.events;
    out.admitted = rec.admitted;
    return out;
}

const std::string command =
    R"({"type":"subscribe","channel":"spec:1","requestId":")" + std::string(300, 'r') + R"("})";

TEST(DeflateParser, ACompressedCommandArrivesInflated) {
    for (std::size_t chunk : {0, 1, 3}) {
        const auto r =
            parse(compressed_frame(opcode::text, compress(command)), true, 16384, true, chunk);
        EXPECT_FALSE(r.error);
        ASSERT_EQ(r.events.size(), 1u);
        EXPECT_EQ(r.events[0], testing::text(command));
        EXPECT_EQ(r.admitted, 1);
    }
}

TEST(DeflateParser, FragmentedCompressedMessageAndPlainOnesMix) {
    const auto z = compress(command);
    std::string stream = compressed_frame(opcode::text, z.substr(0, 10), false);
    stream += client_frame(opcode::ping, "p", mask);  // a control frame between fragments
    stream += client_frame(opcode::continuation, z.substr(10), mask);
    stream += client_frame(opcode::text, "plain", mask);
    const auto r = parse(stream);
    EXPECT_FALSE(r.error);
    ASSERT_EQ(r.events.size(), 3u);
    EXPECT_EQ(r.events[0], testing::ping("p"));
    EXPECT_EQ(r.events[1], testing::text(command));
    EXPECT_EQ(r.events[2], testing::text("plain"));
}

TEST(DeflateParser, Rsv1WhereItMayNotBeIs1002) {
    const auto z = compress(command);
    // Not negotiated.
    EXPECT_EQ(parse(compressed_frame(opcode::text, z), false).error, 1002);
    // On a control frame.
    EXPECT_EQ(parse(compressed_frame(opcode::ping, "x")).error, 1002);
    // On a continuation frame.
    std::string stream = client_frame(opcode::text, "ab", mask, false);
    stream += compressed_frame(opcode::continuation, "cd");
    EXPECT_EQ(parse(stream).error, 1002);
    // RSV2 and RSV3 belong to no negotiated extension.
    auto rsv2 = client_frame(opcode::text, "x", mask);
    rsv2[0] = static_cast<char>(rsv2[0] | 0x20);
    EXPECT_EQ(parse(rsv2).error, 1002);
}

TEST(DeflateParser, ABombIs1009AndBadDataOrTextIs1007) {
    // About a kilobyte that inflates to 1 MiB, against a 16 KiB limit.
    const std::string bomb = one_stream(std::string(1 << 20, 'a'));
    ASSERT_LT(bomb.size(), 2048u);
    EXPECT_EQ(parse(compressed_frame(opcode::text, bomb)).error, 1009);
    EXPECT_EQ(parse(compressed_frame(opcode::text, "\xff\xff\xff\xff")).error, 1007);
    EXPECT_EQ(parse(compressed_frame(opcode::text, compress(std::string(100, '\xff')))).error,
              1007);
    // Binary is not checked for UTF-8.
    const auto bin = parse(compressed_frame(opcode::binary, compress(std::string(100, '\xff'))));
    EXPECT_FALSE(bin.error);
    ASSERT_EQ(bin.events.size(), 1u);
    EXPECT_EQ(bin.events[0], testing::binary(std::string(100, '\xff')));
}

TEST(DeflateParser, AMessageRefusedBeforeInflatingIsDropped) {
    std::string stream = compressed_frame(opcode::text, compress(command));
    stream += client_frame(opcode::text, "next", mask);
    const auto r = parse(stream, true, 16384, false);
    EXPECT_FALSE(r.error);
    EXPECT_EQ(r.admitted, 1);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0], testing::text("next"));
}

}  // namespace
}  // namespace kata::protocol::ws
