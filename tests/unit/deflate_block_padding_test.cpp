// The padding after a block's end-of-block code, read from the block's header, and the strict
// sync-flush ending the compressor builds from it, on log text, text of any alphabet and noise,
// at every level.
#include "core/protocol/deflate/block_padding.hpp"

#include <gtest/gtest.h>
#include <libdeflate.h>

#include <cstring>
#include <random>
#include <string>

#include "core/protocol/deflate/compressor.hpp"
#include "load/log_corpus.hpp"

namespace kata::protocol::deflate {
namespace {

struct libdeflate_pair {
    libdeflate_compressor* c;
    libdeflate_decompressor* d = libdeflate_alloc_decompressor();
    explicit libdeflate_pair(int level) : c(libdeflate_alloc_compressor(level)) {}
    ~libdeflate_pair() {
        libdeflate_free_compressor(c);
        libdeflate_free_decompressor(d);
    }
    libdeflate_pair(const libdeflate_pair&) = delete;
    libdeflate_pair& operator=(const libdeflate_pair&) = delete;

    std::string compress(const std::string& in) {
        std::string out(libdeflate_deflate_compress_bound(c, in.size()), '\0');
        out.resize(libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size()));
        return out;
    }
    // Whether `stream` is exactly a DEFLATE stream of `expected`, every byte used.
    bool decodes_exactly(const std::string& stream, const std::string& expected) {
        std::string out(expected.size() + 1, '\0');
        std::size_t used = 0;
        std::size_t got = 0;
        return libdeflate_deflate_decompress_ex(d, stream.data(), stream.size(), out.data(),
                                                out.size(), &used, &got) == LIBDEFLATE_SUCCESS &&
               used == stream.size() && got == expected.size() &&
               std::memcmp(out.data(), expected.data(), got) == 0;
    }
};

// Inputs of every kind: the log corpus, text over small and large alphabets, corrupted text.
std::string sample(std::mt19937& rng, load::log_corpus& corpus, int i) {
    const std::size_t size = 1 + rng() % (i % 10 == 0 ? 9000 : 3000);
    std::string s;
    if (i % 3 == 0) return corpus.text(size);
    if (i % 3 == 1) {
        s.resize(size);
        const unsigned alphabet = 2 + rng() % 60;
        for (auto& ch : s)
            ch = static_cast<char>('!' + rng() % alphabet);
        return s;
    }
    s = corpus.text(size);
    for (int k = 0; k < 20; ++k)
        s[rng() % s.size()] = static_cast<char>(rng());
    return s;
}

TEST(DeflateBlockPadding, AgreesWithDecodingTheBlock) {
    // A block whose BFINAL is cleared is followed by a non-final empty stored block: its 3-bit
    // header goes into the padding when at least 3 bits are free, after one more zero byte
    // otherwise. Exactly one of the two endings decodes; the header must pick that one.
    std::mt19937 rng(7);
    load::log_corpus corpus;
    int known = 0;
    for (const int level : {1, 4, 6, 9, 12}) {
        libdeflate_pair lib(level);
        for (int i = 0; i < 400; ++i) {
            const auto text = sample(rng, corpus, i);
            const auto block = lib.compress(text);
            ASSERT_FALSE(block.empty());
            const auto padding = block_padding_bits(block);
            if (!padding) continue;
            ++known;
            ASSERT_LE(*padding, 7u);
            std::string synced = block;
            synced[0] = static_cast<char>(synced[0] & 0xFE);
            if (*padding < 3) synced.push_back('\0');
            synced.append("\x00\x00\xff\xff\x03\x00", 6);  // the empty stored, an empty final
            EXPECT_TRUE(lib.decodes_exactly(synced, text)) << level << " " << text.size();
        }
    }
    // Dynamic-Huffman blocks are the common case; the header tells about nearly all of them.
    EXPECT_GT(known, 1500);
}

TEST(DeflateBlockPadding, OtherBlocksAndBrokenHeadersAreLeftToDecoding) {
    EXPECT_FALSE(block_padding_bits(""));
    // A fixed-Huffman block ("a", RFC 1951 3.2.6): its end-of-block code is all zeros.
    EXPECT_FALSE(block_padding_bits(std::string("\x4b\x04\x00", 3)));
    // A stored block.
    EXPECT_FALSE(block_padding_bits(std::string("\x01\x01\x00\xfe\xff\x61", 6)));
    // A dynamic header cut short, and one whose code length code has no codes.
    EXPECT_FALSE(block_padding_bits(std::string("\x05", 1)));
    EXPECT_FALSE(block_padding_bits(std::string("\x05\x00\x00\x00\x00\x00\x00", 7)));
}

TEST(DeflateBlockPadding, CompressorOutputIsAStrictSyncFlushAtEveryLevel) {
    std::mt19937 rng(11);
    load::log_corpus corpus;
    for (int level = 1; level <= 12; ++level) {
        compressor c(level);
        libdeflate_pair lib(level);
        for (int i = 0; i < 150; ++i) {
            const auto text = sample(rng, corpus, i);
            std::string z;
            if (!c.compress(text, z)) continue;
            EXPECT_EQ(static_cast<unsigned char>(z[0]) & 1, 0);  // no final block
            // What a receiver appends (RFC 7692 7.2.2), then an empty final block to end it.
            EXPECT_TRUE(lib.decodes_exactly(z + std::string("\x00\x00\xff\xff\x03\x00", 6), text))
                << level << " " << text.size();
        }
    }
}

}  // namespace
}  // namespace kata::protocol::deflate
