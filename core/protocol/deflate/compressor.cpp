#include "core/protocol/deflate/compressor.hpp"

#include <libdeflate.h>

#include <cstring>
#include <memory>
#include <new>

#include "core/protocol/deflate/block_padding.hpp"

namespace kata::protocol::deflate {
namespace {

// libdeflate starts a second block only past about 10,000 bytes of input, so a piece this size
// is always one block, whose BFINAL bit is then bit 0 of the first byte.
constexpr std::size_t piece_bytes = 8192;
// An empty stored block: what a sync flush ends with (RFC 7692 7.2.1).
constexpr std::string_view sync_marker{"\x00\x00\xff\xff", 4};
// An empty final block (fixed Huffman, end-of-block only), to end a stream for the check.
constexpr std::string_view final_block{"\x03\x00", 2};

}  // namespace

compressor::compressor(int level)
    : level_(level), c_(libdeflate_alloc_compressor(level)), d_(libdeflate_alloc_decompressor()) {
    // Also an invalid level: the config checks the range.
    if (!c_ || !d_) {
        if (c_) libdeflate_free_compressor(c_);
        if (d_) libdeflate_free_decompressor(d_);
        throw std::bad_alloc();
    }
}

compressor::~compressor() {
    libdeflate_free_compressor(c_);
    libdeflate_free_decompressor(d_);
}

bool compressor::compress(std::string_view in, std::string& out) {
    out.clear();
    if (in.size() < 2) return false;
    for (std::size_t pos = 0; pos < in.size(); pos += piece_bytes) {
        if (!append_piece(in.substr(pos, piece_bytes), out)) return false;
        // Not worth it once it is no smaller (the last marker is removed below).
        if (out.size() >= in.size() + sync_marker.size()) return false;
    }
    // The receiver appends the last marker itself (RFC 7692 7.2.2).
    out.resize(out.size() - sync_marker.size());
    return true;
}

bool compressor::append_piece(std::string_view piece, std::string& out) {
    // libdeflate ends its output with a final block (BFINAL set). Receivers such as Beast stop
    // at a final block and then fail on the 00 00 ff ff they append, so each piece is turned
    // into what a sync flush gives: BFINAL cleared, then an empty stored block. Its 3-bit
    // header fits in the padding after the end-of-block code, or needs one more zero byte.
    // The padding is read from the block's header (block_padding_bits), which costs a small
    // fraction of compressing; decoding the piece to find out cost about as much as compressing
    // it, so that is left for the blocks the header cannot tell about (the message then goes
    // plain if neither ending decodes back to the piece).
    const std::size_t start = out.size();
    const std::size_t bound = libdeflate_deflate_compress_bound(c_, piece.size());
    out.resize(start + bound);
    const std::size_t n =
        libdeflate_deflate_compress(c_, piece.data(), piece.size(), out.data() + start, bound);
    if (n == 0) return false;
    auto& first = reinterpret_cast<unsigned char&>(out[start]);
    if ((first & 1) == 0) return false;  // more than one block
    const auto padding = block_padding_bits(std::string_view(out).substr(start, n));
    first &= 0xFE;
    if (padding) {
        out.resize(start + n);
        if (*padding < 3) out.push_back('\0');
        out.append(sync_marker);
        return true;
    }
    for (const std::size_t extra : {0, 1}) {
        out.resize(start + n);
        out.append(extra, '\0');
        out.append(sync_marker);
        if (decodes_to(std::string_view(out).substr(start), piece)) return true;
    }
    return false;
}

bool compressor::decodes_to(std::string_view segment, std::string_view piece) {
    check_in_.assign(segment);
    check_in_.append(final_block);
    check_out_.resize(piece.size() + 1);
    std::size_t in_used = 0;
    std::size_t out_size = 0;
    const auto r =
        libdeflate_deflate_decompress_ex(d_, check_in_.data(), check_in_.size(), check_out_.data(),
                                         check_out_.size(), &in_used, &out_size);
    return r == LIBDEFLATE_SUCCESS && in_used == check_in_.size() && out_size == piece.size() &&
           std::memcmp(check_out_.data(), piece.data(), piece.size()) == 0;
}

compressor& thread_compressor(int level) {
    thread_local std::unique_ptr<compressor> mine;
    if (!mine || mine->level() != level) mine = std::make_unique<compressor>(level);
    return *mine;
}

}  // namespace kata::protocol::deflate
