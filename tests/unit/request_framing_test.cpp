#include "core/server/http/request_framing.hpp"

#include <gtest/gtest.h>

#include "core/server/http/request_headers.hpp"

namespace kata::server {
namespace {

http_request with(std::initializer_list<std::pair<const char*, const char*>> fields,
                  unsigned version = 11) {
    http_request req{http::verb::post, "/v1/publish", version};
    for (const auto& [name, value] : fields)
        req.insert(name, value);
    return req;
}

TEST(RequestFraming, PlainAndChunkedBodiesPass) {
    EXPECT_FALSE(framing_problem(with({})));
    EXPECT_FALSE(framing_problem(with({{"Content-Length", "5"}})));
    EXPECT_FALSE(framing_problem(with({{"Transfer-Encoding", "chunked"}})));
    EXPECT_FALSE(framing_problem(with({{"Transfer-Encoding", " Chunked "}})));
    EXPECT_FALSE(framing_problem(with({{"Transfer-Encoding", ", chunked,"}})));  // empty elements
}

TEST(RequestFraming, AnythingButExactlyChunkedIsRefused) {
    for (const char* te : {"xchunked", "chunked, identity", "identity", "gzip, chunked",
                           "chunked, chunked", "chunked;q=1", "", " , "}) {
        EXPECT_TRUE(framing_problem(with({{"Transfer-Encoding", te}}))) << te;
    }
    EXPECT_TRUE(
        framing_problem(with({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "x"}})));
    EXPECT_TRUE(framing_problem(with({{"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}})));
    EXPECT_TRUE(framing_problem(with({{"Transfer-Encoding", "chunked"}}, 10)));
}

TEST(RequestHeaders, RepeatedCredentialHeadersAreNamed) {
    EXPECT_FALSE(repeated_credential_header(with({{"Origin", "a"}, {"Cookie", "b"}})));
    EXPECT_EQ(repeated_credential_header(with({{"Origin", "a"}, {"Origin", "b"}})), "Origin");
    EXPECT_EQ(repeated_credential_header(with({{"Cookie", "a"}, {"cookie", "b"}})), "Cookie");
    EXPECT_EQ(repeated_credential_header(with({{"Authorization", "a"}, {"Authorization", "a"}})),
              "Authorization");
}

}  // namespace
}  // namespace kata::server
