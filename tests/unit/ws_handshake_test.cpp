#include "core/protocol/ws_handshake.hpp"

#include <gtest/gtest.h>

namespace kata::protocol::ws {
namespace {

TEST(WsHandshake, AcceptKeyOfTheRfcExample) {
    // RFC 6455 1.3.
    EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, AcceptKeyDependsOnTheWholeKey) {
    EXPECT_NE(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), accept_key("dGhlIHNhbXBsZSBub25jZA=="));
    EXPECT_EQ(accept_key("x").size(), 28u);
}

TEST(WsHandshake, ClientKeyMustBeBase64OfSixteenBytes) {
    EXPECT_TRUE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
    EXPECT_TRUE(valid_client_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    EXPECT_TRUE(valid_client_key("+/+/+/+/+/+/+/+/+/+/+w=="));
}

TEST(WsHandshake, ClientKeyOfAnyOtherLengthOrAlphabetIsRefused) {
    EXPECT_FALSE(valid_client_key(""));
    EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
    EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25
    EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZXk="));   // 17 bytes
    EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j"));       // 15 bytes, no padding
    EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ-=="));   // base64url alphabet
    EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j ZQ="));   // a space
    EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=A"));   // bad padding
}

}  // namespace
}  // namespace kata::protocol::ws
