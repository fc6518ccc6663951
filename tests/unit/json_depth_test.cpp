#include "core/protocol/json_depth.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kata::protocol {
namespace {

TEST(JsonDepth, CountsArraysAndObjects) {
    EXPECT_FALSE(nests_deeper_than("1", 0));
    EXPECT_TRUE(nests_deeper_than("{}", 0));
    EXPECT_FALSE(nests_deeper_than("{}", 1));
    EXPECT_FALSE(nests_deeper_than(R"({"a":[1,{"b":2}]})", 3));
    EXPECT_TRUE(nests_deeper_than(R"({"a":[1,{"b":2}]})", 2));
}

TEST(JsonDepth, SiblingsDoNotAddUp) {
    EXPECT_FALSE(nests_deeper_than("[[],[],[],[]]", 2));
}

TEST(JsonDepth, BracketsInsideStringsIgnored) {
    EXPECT_FALSE(nests_deeper_than(R"({"a":"[[[[{{{{"})", 1));
    EXPECT_FALSE(nests_deeper_than(R"({"a":"\"[[[["})", 1));
    EXPECT_TRUE(nests_deeper_than(R"({"a":"\\","b":[[]]})", 2));
}

TEST(JsonDepth, HugeDepthDetectedAndGarbageTolerated) {
    EXPECT_TRUE(nests_deeper_than(std::string(1000000, '['), 64));
    EXPECT_FALSE(nests_deeper_than("]]]]}}}}", 0));
    EXPECT_FALSE(nests_deeper_than(std::string("\"\0\xff", 3), 0));
}

}  // namespace
}  // namespace kata::protocol
