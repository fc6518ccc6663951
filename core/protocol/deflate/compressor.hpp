#pragma once
#include <cstddef>
#include <string>
#include <string_view>

struct libdeflate_compressor;
struct libdeflate_decompressor;

namespace kata::protocol::deflate {

// One-shot raw DEFLATE (RFC 1951) of whole messages with libdeflate: each message is compressed
// on its own (no context takeover), so one compressed frame serves every subscriber. The output
// is what RFC 7692 7.2.1 asks for: a sync-flushed stream (non-final blocks, each piece of up to
// 8 KiB ended by an empty stored block) with the last 00 00 ff ff removed. Not thread-safe: one
// per thread (thread_compressor()).
class compressor {
  public:
    // `level`: libdeflate's 0 (stored, no compression) to 12 (smallest, slowest).
    explicit compressor(int level);
    ~compressor();
    compressor(const compressor&) = delete;
    compressor& operator=(const compressor&) = delete;

    int level() const { return level_; }
    // Compresses `in` into `out` (replacing its contents); false when the result would not be
    // smaller than the input (the message then goes plain).
    bool compress(std::string_view in, std::string& out);

  private:
    bool append_piece(std::string_view piece, std::string& out);
    bool decodes_to(std::string_view segment, std::string_view piece);

    int level_;
    libdeflate_compressor* c_;
    libdeflate_decompressor* d_;  // finds a piece's ending when its header cannot tell
    std::string check_in_;
    std::string check_out_;
};

// This thread's compressor at `level` (made on first use, remade when the level changes).
compressor& thread_compressor(int level);

}  // namespace kata::protocol::deflate
