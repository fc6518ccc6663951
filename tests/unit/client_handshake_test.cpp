// The load client's side of the WebSocket upgrade: the request it writes and the checks it makes
// on the server's answer before trusting the socket to carry frames.
#include "load/client_handshake.hpp"

#include <gtest/gtest.h>

#include "core/protocol/ws_handshake.hpp"

namespace kata::load {
namespace {

// RFC 6455 1.3's example nonce and the accept value it calls for.
constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view rfc_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

std::string response(std::string_view status, std::string_view headers) {
    return std::string(status) + "\r\n" + std::string(headers) + "\r\n";
}

std::string good_headers() {
    return "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
           std::string(rfc_accept) + "\r\nSec-WebSocket-Protocol: kata-rt.v1\r\n";
}

TEST(ClientHandshake, KeyIsBase64OfTheNonce) {
    const std::array<std::uint8_t, 16> nonce = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p',
                                                'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
    EXPECT_EQ(websocket_key(nonce), rfc_key);
    EXPECT_TRUE(protocol::ws::valid_client_key(websocket_key({})));
}

TEST(ClientHandshake, RequestCarriesTheUpgradeTheKeyAndTheBearerKey) {
    const endpoint_url url{"ws", "127.0.0.1", 8080, "/v1/ws"};
    const auto req = upgrade_request(url, "sk_test", rfc_key);
    EXPECT_EQ(req.rfind("GET /v1/ws HTTP/1.1\r\n", 0), 0u) << req;
    EXPECT_NE(req.find("\r\nHost: 127.0.0.1:8080\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nUpgrade: websocket\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nConnection: Upgrade\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nSec-WebSocket-Key: " + std::string(rfc_key) + "\r\n"),
              std::string::npos)
        << req;
    EXPECT_NE(req.find("\r\nSec-WebSocket-Version: 13\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nAuthorization: Bearer sk_test\r\n"), std::string::npos) << req;
    EXPECT_EQ(req.find("Extensions"), std::string::npos) << req;
    EXPECT_TRUE(req.ends_with("\r\n\r\n")) << req;
}

TEST(ClientHandshake, AValid101IsAccepted) {
    EXPECT_EQ(check_upgrade_response(response("HTTP/1.1 101 Switching Protocols", good_headers()),
                                     rfc_key),
              "");
    // Header names and the Upgrade/Connection values are case-insensitive; Connection may list
    // several tokens; no subprotocol selected is fine.
    EXPECT_EQ(
        check_upgrade_response(response("HTTP/1.1 101 Switching Protocols",
                                        "upgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
                                        "sec-websocket-accept:   " +
                                            std::string(rfc_accept) + "\r\n"),
                               rfc_key),
        "");
}

TEST(ClientHandshake, ARefusalNamesTheStatus) {
    EXPECT_EQ(
        check_upgrade_response(
            response("HTTP/1.1 401 Unauthorized", "Content-Type: application/json\r\n"), rfc_key),
        "HTTP 401 Unauthorized");
    EXPECT_EQ(check_upgrade_response(response("HTTP/1.1 503 Service Unavailable", ""), rfc_key),
              "HTTP 503 Service Unavailable");
}

TEST(ClientHandshake, AWrongOrMissingAcceptIsRefused) {
    const std::string other_key = "AAAAAAAAAAAAAAAAAAAAAA==";
    EXPECT_EQ(check_upgrade_response(response("HTTP/1.1 101 Switching Protocols", good_headers()),
                                     other_key),
              "wrong Sec-WebSocket-Accept");
    EXPECT_EQ(check_upgrade_response(response("HTTP/1.1 101 Switching Protocols",
                                              "Upgrade: websocket\r\nConnection: Upgrade\r\n"),
                                     rfc_key),
              "101 without Sec-WebSocket-Accept");
}

TEST(ClientHandshake, MissingUpgradeOrConnectionIsRefused) {
    const std::string accept = "Sec-WebSocket-Accept: " + std::string(rfc_accept) + "\r\n";
    EXPECT_EQ(check_upgrade_response(
                  response("HTTP/1.1 101 Switching Protocols", "Connection: Upgrade\r\n" + accept),
                  rfc_key),
              "101 without Upgrade: websocket");
    EXPECT_EQ(check_upgrade_response(response("HTTP/1.1 101 Switching Protocols",
                                              "Upgrade: h2c\r\nConnection: Upgrade\r\n" + accept),
                                     rfc_key),
              "101 without Upgrade: websocket");
    EXPECT_EQ(check_upgrade_response(
                  response("HTTP/1.1 101 Switching Protocols",
                           "Upgrade: websocket\r\nConnection: keep-alive\r\n" + accept),
                  rfc_key),
              "101 without Connection: upgrade");
}

TEST(ClientHandshake, AnExtensionOrSubprotocolWeDidNotOfferIsRefused) {
    auto with = [](std::string_view extra) {
        return check_upgrade_response(
            response("HTTP/1.1 101 Switching Protocols", good_headers() + std::string(extra)),
            rfc_key);
    };
    EXPECT_NE(with("Sec-WebSocket-Extensions: permessage-deflate\r\n").find("extension"),
              std::string::npos);
    const auto other_protocol = check_upgrade_response(
        response("HTTP/1.1 101 Switching Protocols",
                 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                     std::string(rfc_accept) + "\r\nSec-WebSocket-Protocol: chat\r\n"),
        rfc_key);
    EXPECT_NE(other_protocol.find("subprotocol"), std::string::npos) << other_protocol;
}

TEST(ClientHandshake, PermessageDeflateIsOfferedAndItsAnswerChecked) {
    const endpoint_url url{"ws", "127.0.0.1", 8080, "/v1/ws"};
    const std::string req = upgrade_request(url, "k", rfc_key, true);
    EXPECT_NE(req.find("\r\nSec-WebSocket-Extensions: permessage-deflate; "
                       "server_no_context_takeover; client_no_context_takeover\r\n"),
              std::string::npos)
        << req;
    auto with = [](std::string_view extra, bool* deflate) {
        return check_upgrade_response(
            response("HTTP/1.1 101 Switching Protocols", good_headers() + std::string(extra)),
            rfc_key, deflate);
    };
    bool deflate = false;
    EXPECT_EQ(with("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
                   "client_no_context_takeover\r\n",
                   &deflate),
              "");
    EXPECT_TRUE(deflate);
    EXPECT_EQ(with("", &deflate), "");  // declined: the connection runs plain
    EXPECT_FALSE(deflate);
    EXPECT_NE(with("Sec-WebSocket-Extensions: permessage-deflate; bogus\r\n", &deflate), "");
    EXPECT_NE(with("Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n", &deflate), "");
    // Named twice (in two headers) is refused too.
    EXPECT_NE(with("Sec-WebSocket-Extensions: permessage-deflate\r\n"
                   "Sec-WebSocket-Extensions: permessage-deflate\r\n",
                   &deflate),
              "");
}

TEST(ClientHandshake, SomethingThatIsNotHttpIsRefused) {
    EXPECT_NE(check_upgrade_response("SSH-2.0-OpenSSH_9.2\r\n\r\n", rfc_key), "");
    EXPECT_NE(check_upgrade_response("HTTP/1.1 1O1 Switching\r\n\r\n", rfc_key), "");
    EXPECT_NE(check_upgrade_response("", rfc_key), "");
    EXPECT_NE(check_upgrade_response(
                  response("HTTP/1.1 101 Switching Protocols", "Upgrade websocket\r\n"), rfc_key),
              "");
}

}  // namespace
}  // namespace kata::load
