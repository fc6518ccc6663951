#include "core/client/ws_url.hpp"

#include <gtest/gtest.h>

namespace kata::client {
namespace {

TEST(WsUrl, ReadsHostPortAndPath) {
    const auto url = parse_ws_url("ws://127.0.0.1:8080/v1/ws");
    ASSERT_TRUE(url);
    EXPECT_EQ(*url, (ws_url{"127.0.0.1", "8080", "/v1/ws"}));
    EXPECT_EQ(url->host_header(), "127.0.0.1:8080");
}

TEST(WsUrl, DefaultsToPort80AndRootPath) {
    EXPECT_EQ(parse_ws_url("ws://gw.example"), (ws_url{"gw.example", "80", "/"}));
    EXPECT_EQ(parse_ws_url("ws://gw.example")->host_header(), "gw.example");
}

TEST(WsUrl, KeepsTheQuery) {
    EXPECT_EQ(parse_ws_url("ws://h:1/v1/ws?x=1")->target, "/v1/ws?x=1");
    EXPECT_EQ(parse_ws_url("ws://h:1?x=1")->target, "/?x=1");
}

TEST(WsUrl, ReadsBracketedIpv6) {
    const auto url = parse_ws_url("ws://[::1]:9000/v1/ws");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->host, "::1");
    EXPECT_EQ(url->port, "9000");
    EXPECT_EQ(url->host_header(), "[::1]:9000");
}

TEST(WsUrl, RefusesWhatItCannotConnectTo) {
    for (const char* bad : {"", "http://h:1/", "wss://h:1/", "ws://", "ws://:80/", "ws://h:/",
                            "ws://h:0/", "ws://h:65536/", "ws://h:8o/", "ws://u@h:1/",
                            "ws://h:1/#frag", "ws://[::1/", "ws://[]:1/", "ws://[::1]x/"}) {
        EXPECT_FALSE(parse_ws_url(bad)) << bad;
    }
}

}  // namespace
}  // namespace kata::client
