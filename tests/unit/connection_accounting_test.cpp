#include "core/server/ops/connection_accounting.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace kata::server {
namespace {

using ws_error = websocket::error;
constexpr auto none = protocol::close_code::normal;

TEST(ObservedCloseCode, TheServersOwnCodeWinsWhenItWasClosing) {
    EXPECT_EQ(observed_close_code(asio::error::eof, {}, true, protocol::close_code::slow_consumer),
              4008);
}

TEST(ObservedCloseCode, ProtocolViolationsMapToTheirCloseCodes) {
    EXPECT_EQ(observed_close_code(ws_error::message_too_big, {}, false, none), 1009);
    EXPECT_EQ(observed_close_code(ws_error::bad_frame_payload, {}, false, none), 1007);
    EXPECT_EQ(observed_close_code(ws_error::bad_opcode, {}, false, none), 1002);
    EXPECT_EQ(observed_close_code(ws_error::bad_unmasked_frame, {}, false, none), 1002);
}

TEST(ObservedCloseCode, APeerCloseCarriesThePeersCodeAndALostConnectionIs1006) {
    EXPECT_EQ(observed_close_code(ws_error::closed, websocket::close_reason(1000), false, none),
              1000);
    EXPECT_EQ(observed_close_code(ws_error::closed, {}, false, none), 1005);
    EXPECT_EQ(observed_close_code(asio::error::connection_reset, {}, false, none), 1006);
    EXPECT_EQ(observed_close_code(asio::error::eof, {}, false, none), 1006);
}

}  // namespace
}  // namespace kata::server
