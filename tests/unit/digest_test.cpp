#include "core/auth/digest.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kata::auth {
namespace {

TEST(Digest, Sha256OfAbcIsTheFips180Vector) {
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, Sha256OfEmptyString) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, Sha256HandlesEmbeddedNul) {
    EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("a"));
    EXPECT_EQ(sha256_hex(std::string("a\0b", 3)).size(), 64u);
}

TEST(Digest, ConstantTimeEqual) {
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "ab"));
    EXPECT_FALSE(constant_time_equal("", "a"));
    EXPECT_FALSE(constant_time_equal(std::string("a\0c", 3), std::string("a\0d", 3)));
}

}  // namespace
}  // namespace kata::auth
