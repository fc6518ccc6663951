#pragma once
#include <optional>
#include <string_view>

namespace kata::protocol::deflate {

// The number of zero bits (0-7) that pad the last byte of `block`, one whole DEFLATE block
// (RFC 1951 3.2.7, dynamic Huffman codes) as libdeflate writes it: the end-of-block code, then
// zero bits up to the byte boundary. Found from the block's header alone: the code of
// end-of-block is read from the code lengths, and its last 1 bit is the stream's last 1 bit.
// nullopt when that cannot tell (another block type, an end-of-block code of only zeros, a
// header that does not parse): the caller then finds out by decoding.
std::optional<unsigned> block_padding_bits(std::string_view block);

}  // namespace kata::protocol::deflate
