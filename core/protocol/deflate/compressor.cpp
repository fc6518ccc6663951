#include "core/protocol/deflate/compressor.hpp"

#include <libdeflate.h>

#include <memory>
#include <new>

namespace kata::protocol::deflate {

compressor::compressor(int level) : level_(level), c_(libdeflate_alloc_compressor(level)) {
    if (!c_) throw std::bad_alloc();  // also an invalid level: the config checks the range
}

compressor::~compressor() {
    libdeflate_free_compressor(c_);
}

bool compressor::compress(std::string_view in, std::string& out) {
    // Room for one byte less than the input: a result that does not fit is not worth sending.
    if (in.size() < 2) return false;
    out.resize(in.size() - 1);
    const std::size_t n =
        libdeflate_deflate_compress(c_, in.data(), in.size(), out.data(), out.size());
    out.resize(n);
    return n != 0;
}

compressor& thread_compressor(int level) {
    thread_local std::unique_ptr<compressor> mine;
    if (!mine || mine->level() != level) mine = std::make_unique<compressor>(level);
    return *mine;
}

}  // namespace kata::protocol::deflate
