#include "core/auth/credentials.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kata::auth {
namespace {

TEST(ParseBearer, SchemeIsCaseInsensitiveAndSpacesTrimmed) {
    EXPECT_EQ(parse_bearer("Bearer k1"), "k1");
    EXPECT_EQ(parse_bearer("bearer k1"), "k1");
    EXPECT_EQ(parse_bearer("BEARER k1"), "k1");
    EXPECT_EQ(parse_bearer("  Bearer   k1  "), "k1");
}

TEST(ParseBearer, MalformedIsNullopt) {
    EXPECT_FALSE(parse_bearer(""));
    EXPECT_FALSE(parse_bearer("Bearer"));
    EXPECT_FALSE(parse_bearer("Bearer "));
    EXPECT_FALSE(parse_bearer("Bearerk1"));
    EXPECT_FALSE(parse_bearer("Basic dXNlcjpwYXNz"));
    EXPECT_FALSE(parse_bearer("Bearer k1 k2"));
}

TEST(FindCookie, AmongOthers) {
    EXPECT_EQ(find_cookie("a=1; kata_session=tok; b=2", "kata_session"), "tok");
    EXPECT_EQ(find_cookie("kata_session=tok", "kata_session"), "tok");
    EXPECT_EQ(find_cookie("a=1;kata_session=tok;b=2", "kata_session"), "tok");
    EXPECT_EQ(find_cookie("a=1;  kata_session = tok ", "kata_session"), "tok");
}

TEST(FindCookie, QuotedValueUnquoted) {
    EXPECT_EQ(find_cookie(R"(a=1; kata_session="tok"; b=2)", "kata_session"), "tok");
}

TEST(FindCookie, ValueMayContainEquals) {
    EXPECT_EQ(find_cookie("s=abc==; t=1", "s"), "abc==");
}

TEST(FindCookie, NameMustMatchExactly) {
    EXPECT_FALSE(find_cookie("xkata_session=1; kata_session_old=2", "kata_session"));
    EXPECT_FALSE(find_cookie("KATA_SESSION=1", "kata_session"));
    EXPECT_FALSE(find_cookie("", "kata_session"));
}

TEST(FindCookie, FirstOccurrenceWins) {
    EXPECT_EQ(find_cookie("s=first; s=second", "s"), "first");
}

TEST(FindCookie, ArbitraryBytesNeverCrash) {
    const std::string garbage[] = {
        ";;;",
        "=",
        "==;=",
        "\"",
        "s=\"",
        "s=\"\"",
        std::string("s=\0x; t", 7),
        "s",
        "; s",
        std::string(1, '\xff') + "=;" + std::string(3, '\x80'),
    };
    for (const auto& header : garbage) {
        (void)find_cookie(header, "s");
    }
    EXPECT_EQ(find_cookie("s=\"", "s"), "\"");
    EXPECT_EQ(find_cookie("s=\"\"", "s"), "");
}

TEST(ExtractCredential, BearerHeader) {
    auth_headers h;
    h.authorization = "Bearer key-1";
    const auto c = extract_credential(h, "kata_session");
    EXPECT_EQ(c.kind, credential_kind::api_key);
    EXPECT_EQ(c.secret, "key-1");
}

TEST(ExtractCredential, XApiKeyHeader) {
    auth_headers h;
    h.x_api_key = "key-2";
    const auto c = extract_credential(h, "kata_session");
    EXPECT_EQ(c.kind, credential_kind::api_key);
    EXPECT_EQ(c.secret, "key-2");
}

TEST(ExtractCredential, MalformedAuthorizationIsApiKeyWithEmptySecret) {
    auth_headers h;
    h.authorization = "Token abc";
    h.cookie = "kata_session=tok";
    const auto c = extract_credential(h, "kata_session");
    EXPECT_EQ(c.kind, credential_kind::api_key);
    EXPECT_EQ(c.secret, "");
}

TEST(ExtractCredential, CookieIgnoredWhenKeyHeaderPresent) {
    auth_headers h;
    h.x_api_key = "key-2";
    h.cookie = "kata_session=tok";
    EXPECT_EQ(extract_credential(h, "kata_session").kind, credential_kind::api_key);
}

TEST(ExtractCredential, SessionCookieWithConfiguredName) {
    auth_headers h;
    h.cookie = "theme=dark; sid=tok-9";
    const auto c = extract_credential(h, "sid");
    EXPECT_EQ(c.kind, credential_kind::session);
    EXPECT_EQ(c.secret, "tok-9");
    EXPECT_EQ(extract_credential(h, "kata_session").kind, credential_kind::none);
}

TEST(ExtractCredential, NothingIsNone) {
    EXPECT_EQ(extract_credential(auth_headers{}, "kata_session").kind, credential_kind::none);
    auth_headers h;
    h.cookie = "kata_session=";
    EXPECT_EQ(extract_credential(h, "kata_session").kind, credential_kind::none);
}

}  // namespace
}  // namespace kata::auth
