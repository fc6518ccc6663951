#include "core/protocol/utf8_validator.hpp"

#include <array>
#include <cstddef>
#include <cstring>

namespace kata::protocol {
namespace {

// A DFA over byte classes, in the manner of Björn Höhrmann's decoder: each byte maps to a class
// that tells which continuation range it belongs to or which sequence it starts, and the state
// says what the next byte must be. The narrow second-byte ranges after E0, ED, F0 and F4 are what
// rule out overlongs, UTF-16 surrogates and code points past U+10FFFF.
enum byte_class : std::uint8_t {
    ascii,     // 00-7F
    cont_lo,   // 80-8F
    cont_mid,  // 90-9F
    cont_hi,   // A0-BF
    lead2,     // C2-DF
    lead_e0,   // E0: second byte A0-BF (no overlong)
    lead3,     // E1-EC, EE-EF
    lead_ed,   // ED: second byte 80-9F (no surrogate)
    lead_f0,   // F0: second byte 90-BF (no overlong)
    lead4,     // F1-F3
    lead_f4,   // F4: second byte 80-8F (nothing past U+10FFFF)
    never,     // C0, C1, F5-FF: never in UTF-8
    class_count
};

enum state : std::uint8_t {
    accept,    // on a character boundary
    reject,    // not UTF-8, whatever follows
    need1,     // one continuation byte 80-BF to go
    need2,     // two to go
    need3,     // three to go
    after_e0,  // then one more
    after_ed,
    after_f0,  // then two more
    after_f4,
    state_count
};

constexpr byte_class class_of(unsigned b) {
    if (b < 0x80) return ascii;
    if (b < 0x90) return cont_lo;
    if (b < 0xA0) return cont_mid;
    if (b < 0xC0) return cont_hi;
    if (b < 0xC2) return never;
    if (b < 0xE0) return lead2;
    if (b == 0xE0) return lead_e0;
    if (b == 0xED) return lead_ed;
    if (b < 0xF0) return lead3;
    if (b == 0xF0) return lead_f0;
    if (b < 0xF4) return lead4;
    if (b == 0xF4) return lead_f4;
    return never;
}

constexpr std::uint8_t next_state(std::uint8_t s, byte_class c) {
    const bool cont = c == cont_lo || c == cont_mid || c == cont_hi;
    switch (s) {
        case accept:
            switch (c) {
                case ascii:
                    return accept;
                case lead2:
                    return need1;
                case lead_e0:
                    return after_e0;
                case lead3:
                    return need2;
                case lead_ed:
                    return after_ed;
                case lead_f0:
                    return after_f0;
                case lead4:
                    return need3;
                case lead_f4:
                    return after_f4;
                default:
                    return reject;
            }
        case need1:
            return cont ? accept : reject;
        case need2:
            return cont ? need1 : reject;
        case need3:
            return cont ? need2 : reject;
        case after_e0:
            return c == cont_hi ? need1 : reject;
        case after_ed:
            return c == cont_lo || c == cont_mid ? need1 : reject;
        case after_f0:
            return c == cont_mid || c == cont_hi ? need2 : reject;
        case after_f4:
            return c == cont_lo ? need2 : reject;
        default:
            return reject;
    }
}

struct tables {
    std::array<std::uint8_t, 256> byte_to_class{};
    std::array<std::uint8_t, std::size_t{state_count} * class_count> transition{};
};

constexpr tables make_tables() {
    tables t;
    for (unsigned b = 0; b < 256; ++b)
        t.byte_to_class[b] = class_of(b);
    for (std::uint8_t s = 0; s < state_count; ++s) {
        for (std::uint8_t c = 0; c < class_count; ++c) {
            t.transition[s * class_count + c] = next_state(s, static_cast<byte_class>(c));
        }
    }
    return t;
}

constexpr tables dfa = make_tables();

constexpr std::uint64_t high_bits = 0x8080808080808080ULL;

}  // namespace

bool utf8_validator::feed(std::string_view bytes) {
    if (state_ == reject) return false;
    const char* p = bytes.data();
    const char* const end = p + bytes.size();
    std::uint32_t s = state_;
    while (p != end) {
        if (s == accept) {
            // Messages are mostly ASCII: skip 8 bytes at a time while none has its high bit,
            // then single ASCII bytes without the table walk (its two dependent loads per byte
            // would cost more than the words did).
            while (end - p >= 8) {
                std::uint64_t word;
                std::memcpy(&word, p, 8);
                if (word & high_bits) break;
                p += 8;
            }
            while (p != end && static_cast<unsigned char>(*p) < 0x80)
                ++p;
            if (p == end) break;
        }
        const auto c = dfa.byte_to_class[static_cast<unsigned char>(*p++)];
        s = dfa.transition[s * class_count + c];
        if (s == reject) break;
    }
    state_ = s;
    return s != reject;
}

}  // namespace kata::protocol
