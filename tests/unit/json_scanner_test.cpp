#include "core/protocol/json_scanner.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kata::protocol {
namespace {

// The value's compact copy, or nullopt when the text is refused.
std::optional<std::string> copy(std::string_view text, std::size_t max_depth = 64) {
    json_scanner in(text, max_depth);
    std::string out;
    if (!in.copy_value(&out, 0) || !in.at_end()) return std::nullopt;
    return out;
}

TEST(JsonScanner, KeepsDigitsKeyOrderAndEscapes) {
    EXPECT_EQ(copy(R"({"z":1,"a":123456789012345678901234567890,"m":"\u00e9\n"})"),
              R"({"z":1,"a":123456789012345678901234567890,"m":"\u00e9\n"})");
    EXPECT_EQ(copy("[1.50,-0,1E+2,2e-3,0.0]"), "[1.50,-0,1E+2,2e-3,0.0]");
}

TEST(JsonScanner, DropsOnlyWhitespaceOutsideStrings) {
    EXPECT_EQ(copy(" {\n\t\"a b\" : [ 1 , \" x \" , { } , [ ] ] ,\r\"c\":null } "),
              R"({"a b":[1," x ",{},[]],"c":null})");
}

TEST(JsonScanner, AcceptsWhatNlohmannAccepts) {
    for (const char* text :
         {R"("")", "true", "false", "null", "0", "-1.5e10", R"({"a":{"b":[]}})",
          R"("\"\\\/\b\f\n\r\t\ud83d\ude00")", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""}) {
        ASSERT_TRUE(nlohmann::json::accept(text)) << text;
        EXPECT_TRUE(copy(text).has_value()) << text;
    }
}

TEST(JsonScanner, RefusesWhatRfc8259Refuses) {
    const std::vector<std::string> bad{"",
                                       " ",
                                       "{",
                                       "[1,]",
                                       R"({"a":1,})",
                                       "[1 2]",
                                       R"({"a" 1})",
                                       R"({1:2})",
                                       "01",
                                       "1.",
                                       ".5",
                                       "1e",
                                       "-",
                                       "+1",
                                       "tru",
                                       "nul",
                                       "True",
                                       "'a'",
                                       R"("a)",
                                       "\"\x01\"",
                                       R"("\x")",
                                       R"("\u12")",
                                       R"("\ud83d")",
                                       R"("\ude00")",
                                       R"("\ud83d\u0041")",
                                       "\"\xff\"",
                                       "\"\xc0\xaf\"",
                                       "\"\xed\xa0\x80\"",
                                       "\"\xf4\x90\x80\x80\"",
                                       "\"\xe2\x82\"",
                                       "NaN",
                                       "[1]x",
                                       std::string("{}\0{}", 5),
                                       std::string("{\"a\":1}\0", 8)};
    for (const auto& text : bad)
        EXPECT_FALSE(copy(text).has_value()) << text;
}

TEST(JsonScanner, NumbersBeyondADoubleRefused) {
    EXPECT_FALSE(copy("1e400").has_value());
    EXPECT_FALSE(copy("-1.8e308").has_value());
    EXPECT_FALSE(copy(std::string(400, '9')).has_value());
    EXPECT_EQ(copy("1.7976931348623157e308"), "1.7976931348623157e308");
    EXPECT_EQ(copy("1e-400"), "1e-400");  // underflows to 0, as nlohmann reads it
    EXPECT_EQ(copy(std::string(300, '9')), std::string(300, '9'));
}

TEST(JsonScanner, DuplicateKeysAreAFault) {
    json_scanner in(R"({"a":1,"b":{"x":1,"x":2}})", 64);
    EXPECT_FALSE(in.copy_value(nullptr, 0));
    EXPECT_EQ(in.fault(), json_fault::duplicate_key);
    EXPECT_EQ(in.duplicate_key(), "x");
    // Spelled differently, the same key: receivers decode before they compare.
    EXPECT_FALSE(copy(R"({"a":1,"\u0061":2})"));
    // The same key in sibling objects is fine.
    EXPECT_TRUE(copy(R"([{"a":1},{"a":2}])").has_value());
}

TEST(JsonScanner, DuplicateKeysFoundInBigObjects) {
    std::string text = "{";
    for (int i = 0; i < 5000; ++i)
        text += "\"k" + std::to_string(i) + "\":0,";
    EXPECT_TRUE(copy(text.substr(0, text.size() - 1) + "}").has_value());
    EXPECT_FALSE(copy(text + "\"k4321\":1}").has_value());
}

TEST(JsonScanner, DepthIsBoundedWithoutRecursingFurther) {
    EXPECT_TRUE(copy(std::string(64, '[') + std::string(64, ']')).has_value());
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    json_scanner in(deep, 64);
    EXPECT_FALSE(in.copy_value(nullptr, 0));
    EXPECT_EQ(in.fault(), json_fault::too_deep);
}

TEST(JsonScanner, MemberByMemberReading) {
    json_scanner in(R"({"k\u0031":"v\u00e9","n":[1,2]})", 64);
    ASSERT_TRUE(in.begin_object(0));
    std::string key, value, rest;
    ASSERT_TRUE(in.next_member(key));
    EXPECT_EQ(key, "k1");
    ASSERT_TRUE(in.read_string(value));
    EXPECT_EQ(value, "v\xc3\xa9");
    ASSERT_TRUE(in.next_member(key));
    EXPECT_EQ(key, "n");
    ASSERT_TRUE(in.copy_value(&rest, 1));
    EXPECT_EQ(rest, "[1,2]");
    EXPECT_FALSE(in.next_member(key));
    EXPECT_EQ(in.fault(), json_fault::none);
    EXPECT_TRUE(in.at_end());
}

TEST(JsonScanner, UnescapeDecodesSurrogatePairs) {
    std::string out;
    json_unescape(R"(a\ud83d\ude00\u00e9\/\"\\)", out);
    EXPECT_EQ(out, "a\xf0\x9f\x98\x80\xc3\xa9/\"\\");
}

}  // namespace
}  // namespace kata::protocol
