#include "core/protocol/deflate/negotiation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace kata::protocol::deflate {
namespace {

constexpr std::string_view answer =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

negotiated offer(std::string_view header) {
    return negotiate({header});
}

TEST(DeflateNegotiation, WhatBrowsersAndLibrariesOfferIsAccepted) {
    // Chromium, Node ws and Python websockets all send this one.
    const auto n = offer("permessage-deflate; client_max_window_bits");
    EXPECT_TRUE(n.accepted);
    EXPECT_EQ(n.response, answer);
    EXPECT_TRUE(offer("permessage-deflate").accepted);
    EXPECT_TRUE(
        offer("  permessage-deflate ;client_no_context_takeover ; server_no_context_takeover")
            .accepted);
    EXPECT_TRUE(offer("permessage-deflate; client_max_window_bits=10").accepted);
    EXPECT_TRUE(offer("permessage-deflate; client_max_window_bits=\"12\"").accepted);
}

TEST(DeflateNegotiation, NothingOfferedNothingAccepted) {
    EXPECT_FALSE(negotiate({}).accepted);
    EXPECT_FALSE(offer("").accepted);
    EXPECT_FALSE(offer("x-webkit-deflate-frame").accepted);
    EXPECT_TRUE(offer("").response.empty());
}

TEST(DeflateNegotiation, BadParametersDeclineTheOffer) {
    for (const char* bad : {
             "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
             "permessage-deflate; client_max_window_bits; client_max_window_bits=9",
             "permessage-deflate; unknown_param",
             "permessage-deflate; server_no_context_takeover=1",
             "permessage-deflate; client_max_window_bits=7",
             "permessage-deflate; client_max_window_bits=16",
             "permessage-deflate; client_max_window_bits=09",
             "permessage-deflate; client_max_window_bits=abc",
             "permessage-deflate; client_max_window_bits=",
             "permessage-deflate; server_max_window_bits",
             "permessage-deflate; server_max_window_bits=10",  // libdeflate uses 32 KiB windows
             "permessage-deflate; =5",
             "permessage-deflate;",
         }) {
        EXPECT_FALSE(offer(bad).accepted) << bad;
    }
}

TEST(DeflateNegotiation, TheFirstValidOfferWinsOverBadOnesAndHeaders) {
    const auto n = offer(
        "permessage-deflate; server_max_window_bits=9, x-other, permessage-deflate; "
        "client_max_window_bits");
    EXPECT_TRUE(n.accepted);
    EXPECT_EQ(n.response, answer);
    const auto two = negotiate({"permessage-deflate; bogus", "permessage-deflate"});
    EXPECT_TRUE(two.accepted);
}

TEST(DeflateNegotiation, AServerWindowOf15IsHonouredAndEchoed) {
    const auto n = offer("permessage-deflate; server_max_window_bits=15");
    ASSERT_TRUE(n.accepted);
    EXPECT_EQ(n.response, std::string(answer) + "; server_max_window_bits=15");
}

TEST(DeflateClientAnswer, AcceptsWhatServersAnswer) {
    EXPECT_TRUE(check_response("").ok);
    EXPECT_FALSE(check_response("").deflate);
    const auto ours = check_response(answer);
    EXPECT_TRUE(ours.ok);
    EXPECT_TRUE(ours.deflate);
    EXPECT_TRUE(check_response("permessage-deflate").deflate);
    EXPECT_TRUE(check_response("permessage-deflate; client_max_window_bits=12").deflate);
}

TEST(DeflateClientAnswer, RefusesWhatWasNotOfferedOrIsIllFormed) {
    for (const char* bad : {
             "x-webkit-deflate-frame",
             "permessage-deflate, permessage-deflate",
             "permessage-deflate; client_max_window_bits",  // a response must give the bits
             "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
             "permessage-deflate; mystery",
         }) {
        EXPECT_FALSE(check_response(bad).ok) << bad;
    }
}

}  // namespace
}  // namespace kata::protocol::deflate
