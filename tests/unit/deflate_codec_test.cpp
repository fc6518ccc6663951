// The compressor, the bounded inflater and the event frame with both forms.
#include <gtest/gtest.h>
#include <libdeflate.h>

#include <string>
#include <string_view>

#include "core/protocol/deflate/compressor.hpp"
#include "core/protocol/deflate/event_frame.hpp"
#include "core/protocol/deflate/inflater.hpp"
#include "core/protocol/ws_frame_writer.hpp"

namespace kata::protocol::deflate {
namespace {

std::string log_lines(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; s.size() < n; ++i) {
        s += "2026-12-07T20:" + std::to_string(10 + i % 50) +
             ":00Z INFO agent build: compiling core/protocol/deflate/inflater.cpp (" +
             std::to_string(i) + "/120)\n";
    }
    s.resize(n);
    return s;
}

// One DEFLATE stream of the whole input (ending in a final block), as any zlib-based peer may
// send: the best ratio DEFLATE allows, about 1:1000, for bombs.
std::string one_stream(std::string_view in, int level = 12) {
    auto* c = libdeflate_alloc_compressor(level);
    std::string out(libdeflate_deflate_compress_bound(c, in.size()), '\0');
    out.resize(libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size()));
    libdeflate_free_compressor(c);
    return out;
}

std::string deflated(std::string_view in, int level = 6) {
    compressor c(level);
    std::string out;
    EXPECT_TRUE(c.compress(in, out));
    return out;
}

TEST(DeflateCodec, RoundTripsAndShrinksLogText) {
    const auto text = log_lines(4000);
    const auto z = deflated(text);
    EXPECT_LT(z.size() * 4, text.size());
    inflater inf;
    const auto r = inf.inflate(z, 16384);
    ASSERT_EQ(r.st, inflater::status::ok);
    EXPECT_EQ(r.message, text);
}

TEST(DeflateCodec, OutputIsASyncFlushWithoutAFinalBlock) {
    // What RFC 7692 7.2.1 describes: non-final blocks; the receiver appends 00 00 ff ff.
    for (const std::size_t size : {300, 5000, 8192, 8193, 30000}) {
        const auto text = log_lines(size);
        const auto z = deflated(text);
        EXPECT_EQ(static_cast<unsigned char>(z[0]) & 1, 0) << size;  // the first block: BFINAL 0
        inflater inf;
        const auto r = inf.inflate(z, size);
        ASSERT_EQ(r.st, inflater::status::ok) << size;
        EXPECT_EQ(r.message, text);
    }
}

TEST(DeflateCodec, RfcExamplesInflate) {
    inflater inf;
    // RFC 7692 7.2.3.1: "Hello" flushed with an empty stored block, its 00 00 ff ff removed.
    const auto synced = inf.inflate(std::string_view("\xf2\x48\xcd\xc9\xc9\x07\x00", 7), 100);
    ASSERT_EQ(synced.st, inflater::status::ok);
    EXPECT_EQ(synced.message, "Hello");
    // The same with BFINAL set on its block (7.2.3.4), as libdeflate writes it.
    const auto final_block = inf.inflate(std::string_view("\xf3\x48\xcd\xc9\xc9\x07\x00", 7), 100);
    ASSERT_EQ(final_block.st, inflater::status::ok);
    EXPECT_EQ(final_block.message, "Hello");
    // An uncompressed (stored) block: 7.2.3.3.
    const auto stored =
        inf.inflate(std::string_view("\x00\x05\x00\xfa\xff\x48\x65\x6c\x6c\x6f\x00", 11), 100);
    ASSERT_EQ(stored.st, inflater::status::ok);
    EXPECT_EQ(stored.message, "Hello");
}

TEST(DeflateCodec, InflatingStopsAtTheBound) {
    // 1 MiB of zeros compresses to about a kilobyte: a bomb for a 16 KiB limit.
    const std::string big(1 << 20, '\0');
    const auto z = one_stream(big);
    EXPECT_LT(z.size(), 2048u);
    inflater inf;
    EXPECT_EQ(inf.inflate(z, 16384).st, inflater::status::too_big);
    // Exactly at the bound is fine; one byte over is not.
    const auto text = log_lines(1000);
    const auto zt = deflated(text);
    EXPECT_EQ(inf.inflate(zt, 1000).st, inflater::status::ok);
    EXPECT_EQ(inf.inflate(zt, 999).st, inflater::status::too_big);
}

TEST(DeflateCodec, InvalidDataIsRefused) {
    inflater inf;
    EXPECT_EQ(inf.inflate(std::string_view("\xff\xff\xff\xff", 4), 100).st,
              inflater::status::invalid);
    // A block type 3 (reserved).
    EXPECT_EQ(inf.inflate(std::string_view("\x07", 1), 100).st, inflater::status::invalid);
    // Data after a final block is not ours to ignore.
    std::string z = deflated(log_lines(500));
    z += "garbage-after-the-end";
    EXPECT_EQ(inf.inflate(z, 16384).st, inflater::status::invalid);
}

TEST(DeflateCodec, IncompressibleInputIsNotCompressed) {
    compressor c(6);
    std::string out;
    EXPECT_FALSE(c.compress("ab", out));
    std::string noise;
    std::uint32_t x = 12345;
    for (int i = 0; i < 300; ++i) {
        x = x * 1103515245u + 12345u;
        noise += static_cast<char>(x >> 24);
    }
    EXPECT_FALSE(compressor(0).compress(noise, out));  // level 0 stores: never smaller
}

TEST(DeflateEventFrame, CarriesBothFormsWhenAsked) {
    const compression_settings s{true, 256, 6};
    const auto text = log_lines(600);
    const auto f = event_frame(text, s, true);
    EXPECT_EQ(f.bytes(), ws::server_frame(ws::opcode::text, text).bytes());
    const auto z = f.deflated();
    ASSERT_FALSE(z.empty());
    EXPECT_EQ(static_cast<unsigned char>(z[0]), 0xC1);  // FIN, RSV1, text
    EXPECT_EQ(f.wire(true), z);
    EXPECT_EQ(f.wire(false), f.bytes());
    EXPECT_EQ(f.footprint(), f.bytes().size() + z.size());
    const auto len7 = static_cast<unsigned char>(z[1]) & 0x7F;
    const std::size_t head = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
    inflater inf;
    const auto r = inf.inflate(z.substr(head), 16384);
    ASSERT_EQ(r.st, inflater::status::ok);
    EXPECT_EQ(r.message, text);
}

TEST(DeflateEventFrame, PlainWhenSmallDisabledOrNotAsked) {
    bool compressed = true;
    const auto text = log_lines(600);
    EXPECT_TRUE(event_frame(text, {true, 256, 6}, false, &compressed).deflated().empty());
    EXPECT_FALSE(compressed);
    EXPECT_TRUE(event_frame(text, {false, 256, 6}, true).deflated().empty());
    EXPECT_TRUE(event_frame(log_lines(255), {true, 256, 6}, true).deflated().empty());
    EXPECT_FALSE(event_frame(log_lines(256), {true, 256, 6}, true, &compressed).deflated().empty());
    EXPECT_TRUE(compressed);
    // Plain frames answer wire(true) with their only form.
    const auto plain = event_frame(text, {true, 256, 6}, false);
    EXPECT_EQ(plain.wire(true), plain.bytes());
}

}  // namespace
}  // namespace kata::protocol::deflate
