#include "core/protocol/deflate/inflater.hpp"

#include <libdeflate.h>

#include <new>

namespace kata::protocol::deflate {
namespace {

// A sender flushes each message with an empty stored block (00 00 ff ff) and strips it
// (RFC 7692 7.2.1); libdeflate decodes whole streams only, so the stored block goes back and an
// empty final block (fixed Huffman, end-of-block code only: 0x03 0x00) ends the stream. A sender
// that ended with a final block of its own leaves this tail unread.
constexpr std::string_view stream_tail{"\x00\x00\xff\xff\x03\x00", 6};

}  // namespace

inflater::~inflater() {
    if (d_) libdeflate_free_decompressor(d_);
}

inflater::result inflater::inflate(std::string_view compressed, std::size_t max_bytes) {
    if (!d_) {
        d_ = libdeflate_alloc_decompressor();
        if (!d_) throw std::bad_alloc();
    }
    input_.assign(compressed);
    input_.append(stream_tail);
    // One byte more than allowed: filling it means the message is too big, found without
    // inflating any further.
    if (output_.size() != max_bytes + 1) {
        std::string().swap(output_);
        output_.resize(max_bytes + 1);
    }
    std::size_t in_used = 0;
    std::size_t out_size = 0;
    const auto r = libdeflate_deflate_decompress_ex(
        d_, input_.data(), input_.size(), output_.data(), output_.size(), &in_used, &out_size);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) return {status::too_big, {}};
    if (r != LIBDEFLATE_SUCCESS) return {status::invalid, {}};
    if (out_size > max_bytes) return {status::too_big, {}};
    // The stream must end within the message plus the tail we added: anything past its end
    // block would be data the sender meant but we did not read.
    if (in_used < compressed.size()) return {status::invalid, {}};
    return {status::ok, {output_.data(), out_size}};
}

}  // namespace kata::protocol::deflate
