#include "core/protocol/deflate/block_padding.hpp"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace kata::protocol::deflate {
namespace {

// Reads the stream's bits in DEFLATE's order (from the least significant bit of each byte).
class bit_reader {
  public:
    explicit bit_reader(std::string_view s) : s_(s) {}
    // The next `n` (up to 16) bits as a number, first bit lowest, zeros past the end.
    unsigned peek(unsigned n) {
        while (held_ < n && next_ < s_.size()) {
            bits_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(s_[next_++])) << held_;
            held_ += 8;
        }
        return static_cast<unsigned>(bits_ & ((1u << n) - 1));
    }
    // Takes `n` bits; false when the stream has fewer.
    bool skip(unsigned n) {
        peek(n);
        if (held_ < n) return false;
        bits_ >>= n;
        held_ -= n;
        return true;
    }
    bool read(unsigned n, unsigned& value) {
        value = peek(n);
        return skip(n);
    }

  private:
    std::string_view s_;
    std::size_t next_ = 0;  // the next byte to take in
    std::uint64_t bits_ = 0;
    unsigned held_ = 0;  // bits in bits_
};

// The code length code (RFC 1951 3.2.7): 19 symbols of codes up to 7 bits, decoded by looking
// up the next 7 bits of the stream.
class precode {
  public:
    explicit precode(const std::array<std::uint8_t, 19>& lengths) {
        std::array<unsigned, 8> count{};
        for (const auto len : lengths)
            ++count[len];
        count[0] = 0;
        std::array<unsigned, 8> next{};
        unsigned code = 0;
        for (unsigned len = 1; len < 8; ++len) {
            code = (code + count[len - 1]) << 1;
            next[len] = code;
        }
        for (unsigned sym = 0; sym < 19; ++sym) {
            const unsigned len = lengths[sym];
            if (len == 0) continue;
            const unsigned c = next[len]++;
            if (c >= (1u << len)) return;  // over-subscribed: entries stay unset
            // Codes are sent from their most significant bit: the table is indexed reversed.
            unsigned reversed = 0;
            for (unsigned i = 0; i < len; ++i)
                reversed |= ((c >> i) & 1u) << (len - 1 - i);
            for (unsigned k = reversed; k < 128; k += 1u << len)
                table_[k] = static_cast<std::uint8_t>(sym << 3 | len);
        }
    }
    // One symbol; -1 when the bits match no code.
    int decode(bit_reader& in) const {
        const auto entry = table_[in.peek(7)];
        if (entry == 0 || !in.skip(entry & 7u)) return -1;
        return entry >> 3;
    }

  private:
    std::array<std::uint8_t, 128> table_{};  // symbol << 3 | code length; 0: no code
};

}  // namespace

std::optional<unsigned> block_padding_bits(std::string_view block) {
    bit_reader in(block);
    unsigned bfinal = 0, btype = 0, hlit = 0, hdist = 0, hclen = 0;
    if (!in.read(1, bfinal) || !in.read(2, btype) || btype != 2) return std::nullopt;
    if (!in.read(5, hlit) || !in.read(5, hdist) || !in.read(4, hclen)) return std::nullopt;
    const unsigned litlen_codes = hlit + 257;

    // The code length code's lengths arrive in this order (RFC 1951 3.2.7).
    constexpr std::array<std::uint8_t, 19> order{16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                 11, 4,  12, 3, 13, 2, 14, 1, 15};
    std::array<std::uint8_t, 19> lengths{};
    for (unsigned i = 0; i < hclen + 4; ++i) {
        unsigned len = 0;
        if (!in.read(3, len)) return std::nullopt;
        lengths[order[i]] = static_cast<std::uint8_t>(len);
    }
    const precode pre(lengths);

    // The literal/length code lengths (the distance code's follow; not needed).
    std::array<std::uint8_t, 288> litlen{};
    unsigned n = 0;
    while (n < litlen_codes) {
        const int sym = pre.decode(in);
        if (sym < 0) return std::nullopt;
        if (sym < 16) {
            litlen[n++] = static_cast<std::uint8_t>(sym);
            continue;
        }
        unsigned extra = 0;
        unsigned repeat = 0;
        std::uint8_t value = 0;
        if (sym == 16) {
            if (n == 0 || !in.read(2, extra)) return std::nullopt;
            value = litlen[n - 1];
            repeat = 3 + extra;
        } else if (sym == 17) {
            if (!in.read(3, extra)) return std::nullopt;
            repeat = 3 + extra;
        } else {
            if (!in.read(7, extra)) return std::nullopt;
            repeat = 11 + extra;
        }
        // A run may go on into the distance code's lengths, which are not kept.
        for (; repeat > 0 && n < litlen_codes; --repeat)
            litlen[n++] = value;
    }

    // End-of-block's canonical code (RFC 1951 3.2.2).
    const unsigned eob_len = litlen[256];
    if (eob_len == 0) return std::nullopt;
    std::array<unsigned, 16> count{};
    for (unsigned s = 0; s < litlen_codes; ++s)
        ++count[litlen[s]];
    count[0] = 0;
    unsigned code = 0;
    for (unsigned len = 1; len <= eob_len; ++len)
        code = (code + count[len - 1]) << 1;
    for (unsigned s = 0; s < 256; ++s)
        code += litlen[s] == eob_len ? 1 : 0;
    // `code` is sent from its most significant bit, so its lowest bit is the block's last; its
    // lowest 1 bit is the stream's last 1 bit (the padding after it is zero).
    if (code == 0) return std::nullopt;
    std::size_t last = block.size();
    while (last > 0 && block[last - 1] == 0)
        --last;
    if (last == 0) return std::nullopt;
    const auto byte = static_cast<unsigned char>(block[last - 1]);
    const std::size_t last_one = (last - 1) * 8 + (7 - std::countl_zero(byte));
    const std::size_t end = last_one + 1 + static_cast<std::size_t>(std::countr_zero(code));
    const std::size_t total = block.size() * 8;
    if (end > total || total - end > 7) return std::nullopt;
    return static_cast<unsigned>(total - end);
}

}  // namespace kata::protocol::deflate
