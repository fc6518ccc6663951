// wss:// and https:// URLs: the client library's and the load generator's parsers.
#include <gtest/gtest.h>

#include "core/client/ws_url.hpp"
#include "load/url.hpp"

namespace kata {
namespace {

TEST(TlsUrl, ClientUrlsMayBeWssWithPort443ByDefault) {
    const auto url = client::parse_client_url("wss://gw.example/v1/ws");
    ASSERT_TRUE(url);
    EXPECT_TRUE(url->tls);
    EXPECT_EQ(url->port, "443");
    EXPECT_EQ(url->host_header(), "gw.example");
    const auto other = client::parse_client_url("wss://[::1]:8443/v1/ws?x=1");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->host, "::1");
    EXPECT_EQ(other->host_header(), "[::1]:8443");
    EXPECT_EQ(other->target, "/v1/ws?x=1");
}

TEST(TlsUrl, ClientUrlsStillReadWsAndRefuseTheRest) {
    const auto plain = client::parse_client_url("ws://127.0.0.1:8080/v1/ws");
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->tls);
    EXPECT_EQ(plain->port, "8080");
    for (const char* bad : {"https://h/", "wss://", "wss://h:0/", "wss://u@h/", "wss://h/#f"}) {
        EXPECT_FALSE(client::parse_client_url(bad)) << bad;
    }
    EXPECT_FALSE(client::parse_ws_url("wss://h:1/")) << "parse_ws_url reads plain ws:// only";
}

TEST(TlsUrl, LoadUrlsMayBeWssAndTheirPublishApiIsHttps) {
    const auto parsed = load::parse_url("wss://localhost/v1/ws");
    ASSERT_TRUE(std::holds_alternative<load::endpoint_url>(parsed));
    const auto& url = std::get<load::endpoint_url>(parsed);
    EXPECT_TRUE(url.tls());
    EXPECT_EQ(url.port, 443);
    const auto publish = load::publish_url_for(url);
    EXPECT_EQ(publish.str(), "https://localhost:443/v1/publish");
    EXPECT_FALSE(load::publish_url_for(
                     std::get<load::endpoint_url>(load::parse_url("ws://localhost:8080/v1/ws")))
                     .tls());
    EXPECT_TRUE(std::holds_alternative<std::string>(load::parse_url("ftp://localhost/")));
}

}  // namespace
}  // namespace kata
