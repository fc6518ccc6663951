#include "core/protocol/utf8_validator.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace kata::protocol {
namespace {

// Whole-input validation, and the same input fed one byte at a time.
bool valid(std::string_view s) {
    utf8_validator v;
    const bool whole = v.feed(s) && v.complete();
    utf8_validator b;
    bool ok = true;
    for (const char c : s)
        ok = ok && b.feed(std::string_view(&c, 1));
    const bool bytewise = ok && b.complete();
    EXPECT_EQ(whole, bytewise) << "chunking changed the verdict";
    return whole;
}

// An independent statement of RFC 3629: decode each sequence to its code point and check it is
// the shortest form, not a surrogate and at most U+10FFFF.
bool reference_valid(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<std::uint8_t>(s[i]);
        std::size_t n;
        std::uint32_t cp;
        if (b < 0x80) {
            ++i;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 2;
            cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            n = 3;
            cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            n = 4;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<std::uint8_t>(s[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
        }
        const std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n;
    }
    return true;
}

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list)
        s.push_back(static_cast<char>(b));
    return s;
}

TEST(Utf8Validator, AcceptsEmptyAndAscii) {
    EXPECT_TRUE(valid(""));
    EXPECT_TRUE(valid("hello, world"));
    EXPECT_TRUE(valid(std::string(1000, 'a')));
    EXPECT_TRUE(valid(std::string("\0\x7f", 2)));
}

TEST(Utf8Validator, AcceptsEveryLengthAtItsBoundaries) {
    EXPECT_TRUE(valid(bytes({0xC2, 0x80})));              // U+0080
    EXPECT_TRUE(valid(bytes({0xDF, 0xBF})));              // U+07FF
    EXPECT_TRUE(valid(bytes({0xE0, 0xA0, 0x80})));        // U+0800
    EXPECT_TRUE(valid(bytes({0xED, 0x9F, 0xBF})));        // U+D7FF, just below the surrogates
    EXPECT_TRUE(valid(bytes({0xEE, 0x80, 0x80})));        // U+E000, just above
    EXPECT_TRUE(valid(bytes({0xEF, 0xBF, 0xBF})));        // U+FFFF
    EXPECT_TRUE(valid(bytes({0xF0, 0x90, 0x80, 0x80})));  // U+10000
    EXPECT_TRUE(valid(bytes({0xF4, 0x8F, 0xBF, 0xBF})));  // U+10FFFF
    EXPECT_TRUE(valid("κόσμε, żółć, 日本語, 🎉"));
}

TEST(Utf8Validator, RefusesOverlongForms) {
    EXPECT_FALSE(valid(bytes({0xC0, 0x80})));
    EXPECT_FALSE(valid(bytes({0xC1, 0xBF})));
    EXPECT_FALSE(valid(bytes({0xE0, 0x80, 0x80})));
    EXPECT_FALSE(valid(bytes({0xE0, 0x9F, 0xBF})));
    EXPECT_FALSE(valid(bytes({0xF0, 0x80, 0x80, 0x80})));
    EXPECT_FALSE(valid(bytes({0xF0, 0x8F, 0xBF, 0xBF})));
}

TEST(Utf8Validator, RefusesSurrogatesAndCodePointsPastTheLast) {
    EXPECT_FALSE(valid(bytes({0xED, 0xA0, 0x80})));        // U+D800
    EXPECT_FALSE(valid(bytes({0xED, 0xBF, 0xBF})));        // U+DFFF
    EXPECT_FALSE(valid(bytes({0xF4, 0x90, 0x80, 0x80})));  // U+110000
    for (int b = 0xF5; b <= 0xFF; ++b)
        EXPECT_FALSE(valid(bytes({b, 0x80, 0x80, 0x80}))) << b;
}

TEST(Utf8Validator, RefusesStrayAndMissingContinuationBytes) {
    EXPECT_FALSE(valid(bytes({0x80})));
    EXPECT_FALSE(valid(bytes({'a', 0xBF, 'b'})));
    EXPECT_FALSE(valid(bytes({0xC2, 'a'})));
    EXPECT_FALSE(valid(bytes({0xE1, 0x80, 'a'})));
    EXPECT_FALSE(valid(bytes({0xF1, 0x80, 0x80, 0xC2, 0x80})));
}

TEST(Utf8Validator, IncompleteSequenceIsNotCompleteButMayContinue) {
    utf8_validator v;
    EXPECT_TRUE(v.feed(bytes({'a', 0xF0, 0x9F})));
    EXPECT_FALSE(v.complete());
    EXPECT_TRUE(v.feed(bytes({0x8E})));
    EXPECT_FALSE(v.complete());
    EXPECT_TRUE(v.feed(bytes({0x89, 'b'})));
    EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, RefusalIsFinalAndResetStartsOver) {
    utf8_validator v;
    EXPECT_FALSE(v.feed(bytes({0xFF})));
    EXPECT_FALSE(v.feed("plain ascii"));
    EXPECT_FALSE(v.complete());
    v.reset();
    EXPECT_TRUE(v.feed("plain ascii"));
    EXPECT_TRUE(v.complete());
}

TEST(Utf8Validator, BadByteFoundAtEveryOffsetOfTheAsciiFastPath) {
    // The word-at-a-time path must not skip a bad byte wherever it sits in or after a word.
    for (std::size_t len = 1; len <= 40; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string s(len, 'x');
            s[at] = static_cast<char>(0x80);
            EXPECT_FALSE(valid(s)) << "len " << len << " at " << at;
        }
    }
}

TEST(Utf8Validator, MultibyteAfterAsciiRunsAtEveryOffset) {
    for (std::size_t prefix = 0; prefix <= 17; ++prefix) {
        EXPECT_TRUE(valid(std::string(prefix, 'a') + "€" + std::string(prefix, 'b'))) << prefix;
        EXPECT_FALSE(valid(std::string(prefix, 'a') + bytes({0xE2, 0x82}))) << prefix;
    }
}

TEST(Utf8Validator, AgreesWithReferenceOnEveryTwoAndThreeByteInput) {
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            const auto two = bytes({a, b});
            ASSERT_EQ(valid(two), reference_valid(two)) << std::hex << a << " " << b;
            if (a < 0xC0) continue;  // longer inputs only matter after a lead byte
            for (int c = 0; c < 256; ++c) {
                const auto three = bytes({a, b, c});
                utf8_validator v;
                const bool ok = v.feed(three) && v.complete();
                ASSERT_EQ(ok, reference_valid(three)) << std::hex << a << " " << b << " " << c;
            }
        }
    }
}

TEST(Utf8Validator, AgreesWithReferenceOnFourByteLeads) {
    for (int a = 0xF0; a < 0x100; ++a) {
        for (int b = 0x70; b < 0xD0; ++b) {
            for (int c : {0x7F, 0x80, 0xBF, 0xC0}) {
                const auto four = bytes({a, b, c, 0x80});
                utf8_validator v;
                const bool ok = v.feed(four) && v.complete();
                ASSERT_EQ(ok, reference_valid(four)) << std::hex << a << " " << b << " " << c;
            }
        }
    }
}

}  // namespace
}  // namespace kata::protocol
