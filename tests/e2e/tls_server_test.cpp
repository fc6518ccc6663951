// The listener over TLS, in-process: wss:// and https:// end to end, the data path's batches of
// records under a backlog, a certificate that does not verify, the protocol versions, and plain
// HTTP sent to the TLS port.
#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "client_support.hpp"
#include "core/client/client_tls.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "load/publish_client.hpp"
#include "server_support.hpp"
#include "tls_pki.hpp"

namespace kata::client::testing {
namespace {

namespace asio = boost::asio;

struct tls_server {
    explicit tls_server(const std::string& names = "DNS:localhost,IP:127.0.0.1",
                        std::size_t max_queued_bytes = 1048576) {
        auto cfg = test_config(0);
        cfg.limits.max_queued_bytes = max_queued_bytes;
        const auto issued = pki.issue("server", names);
        cfg.tls = config::tls_settings{issued.cert_file, issued.key_file};
        srv = start_server(std::move(cfg));
    }
    std::string wss_url() const {
        return "wss://localhost:" + std::to_string(srv->port()) + "/v1/ws";
    }
    e2e::test_pki pki;
    std::unique_ptr<server::server> srv;
};

// POST /v1/publish over https, verified against `ca_file`.
load::http_reply publish_https(std::uint16_t port, const std::string& ca_file,
                               const std::string& body) {
    asio::io_context io;
    load::http_reply reply;
    load::endpoint_url url{"https", "localhost", port, "/v1/publish"};
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            load::publish_client client(io.get_executor(), url, test_key, std::chrono::seconds(10),
                                        make_client_tls(ca_file));
            reply = co_await client.post(body);
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    return reply;
}

// The upgrade and a subscribe, by hand over a TLS peer (no client library in between).
bool subscribe_raw(e2e::tls_peer& peer, const std::string& channel) {
    const std::string request =
        "GET /v1/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Authorization: Bearer " +
        test_key + "\r\n\r\n";
    if (!peer.send(request) || !peer.read_until("\r\n\r\n")) return false;
    if (peer.received().rfind("HTTP/1.1 101", 0) != 0) return false;
    const auto subscribe = protocol::ws::client_frame(
        protocol::ws::opcode::text,
        R"({"type":"subscribe","channel":")" + channel + R"(","requestId":"r1"})", {1, 2, 3, 4});
    return peer.send(subscribe) && peer.read_until("\"subscribed\"");
}

TEST(TlsServer, ClientSubscribesOverWssAndAnHttpsPublishArrives) {
    tls_server s;
    client_thread t;
    recorder rec;
    auto opts = options_for(s.srv->port());
    opts.url = s.wss_url();
    opts.ca_file = s.pki.ca_file();
    reconnecting_client client(t.io, opts, rec.callbacks());
    client.subscribe(*protocol::parse_channel("spec:s1"), rec.handler());
    client.start();
    ASSERT_TRUE(rec.wait_for([&] { return !rec.subscribed.empty(); })) << [&] {
        std::lock_guard lock(rec.mutex);
        return rec.disconnected ? rec.disconnected->reason : std::string("no answer");
    }();

    const auto reply = publish_https(
        s.srv->port(), s.pki.ca_file(),
        R"({"channel":"spec:s1","type":"log_entry","payload":{"line":"over tls","n":1.50}})");
    EXPECT_EQ(reply.status, 200u) << reply.body;
    ASSERT_TRUE(rec.wait_for([&] { return !rec.events.empty(); }));
    std::lock_guard lock(rec.mutex);
    EXPECT_EQ(rec.events[0].payload_json, R"({"line":"over tls","n":1.50})");
    EXPECT_EQ(rec.connected, 1);
}

TEST(TlsServer, ABacklogLeavesWholeAndInOrderThroughTheTlsBatches) {
    // A queue bound above what the kernel's socket buffers hold (4 MiB at most by default): the
    // socket must fill up, so records wait for writability and go out in later batches.
    tls_server s("DNS:localhost,IP:127.0.0.1", 64u << 20);
    auto ctx = e2e::test_client_context(s.pki.ca_file());
    e2e::tls_peer peer(s.srv->port(), ctx.get(), "localhost", 4096);
    ASSERT_TRUE(peer.ok()) << peer.error();
    ASSERT_TRUE(subscribe_raw(peer, "spec:s1")) << peer.received();
    // 8 MiB while the peer reads nothing: frames cross record and batch boundaries (one event is
    // 60 KiB, the others 2 KiB).
    const std::string pad(2000, 'x');
    const int events = 4000;
    for (int i = 0; i < events; ++i) {
        const std::string fill = i == 2000 ? std::string(60000, 'y') : pad;
        s.srv->hub().publish(*protocol::parse_channel("spec:s1"), "log_entry",
                             R"({"i":)" + std::to_string(i) + R"(,"pad":")" + fill + "\"}");
    }
    ASSERT_TRUE(peer.read_until(R"({"i":)" + std::to_string(events - 1) + ",", 20s));
    std::size_t at = 0;
    for (int i = 0; i < events; ++i) {
        const auto next = peer.received().find(R"({"i":)" + std::to_string(i) + ",", at);
        ASSERT_NE(next, std::string::npos) << "event " << i << " missing or out of order";
        at = next;
    }
    EXPECT_EQ(s.srv->stats().closed_slow_consumer, 0u);
}

TEST(TlsServer, ASlowConsumerIsCutWith4008AndShutdownClosesWith1001) {
    tls_server s;  // max_queued_bytes 1 MiB
    auto ctx = e2e::test_client_context(s.pki.ca_file());
    e2e::tls_peer slow(s.srv->port(), ctx.get(), "localhost", 4096);
    e2e::tls_peer quick(s.srv->port(), ctx.get());
    ASSERT_TRUE(subscribe_raw(slow, "spec:s1")) << slow.received();
    ASSERT_TRUE(subscribe_raw(quick, "agent:a1")) << quick.received();
    const std::string pad(8000, 'x');
    for (int i = 0; i < 2000; ++i) {  // 16 MB to a peer that reads nothing
        s.srv->hub().publish(*protocol::parse_channel("spec:s1"), "log_entry",
                             R"({"pad":")" + pad + "\"}");
    }
    EXPECT_TRUE(e2e::eventually([&] { return s.srv->stats().closed_slow_consumer == 1; }, 10s));

    s.srv->stop();
    // The close frame's payload: code 1001 (0x03e9), then the reason.
    ASSERT_TRUE(quick.read_until("server shutting down")) << quick.received();
    const auto& got = quick.received();
    const auto at = got.find("server shutting down");
    ASSERT_GE(at, 2u);
    EXPECT_EQ(got.substr(at - 2, 2), std::string("\x03\xe9", 2));
}

TEST(TlsServer, ACertificateFromAnotherCaEndsTheClientWith1015) {
    tls_server s;
    e2e::test_pki other("another CA");
    client_thread t;
    recorder rec;
    auto opts = options_for(s.srv->port());
    opts.url = s.wss_url();
    opts.ca_file = other.ca_file();
    reconnecting_client client(t.io, opts, rec.callbacks());
    client.start();
    ASSERT_TRUE(rec.wait_for([&] { return rec.disconnected.has_value(); }));
    std::lock_guard lock(rec.mutex);
    EXPECT_EQ(rec.disconnected->code, 1015);
    EXPECT_NE(rec.disconnected->reason.find("certificate verify failed"), std::string::npos)
        << rec.disconnected->reason;
    EXPECT_TRUE(rec.reconnects.empty()) << "a verification failure is not retried";
    EXPECT_EQ(rec.connected, 0);
}

TEST(TlsServer, AHostNameTheCertificateDoesNotNameIsRefused) {
    tls_server s("DNS:gateway.example");  // valid, from the right CA, for another name
    client_thread t;
    recorder rec;
    auto opts = options_for(s.srv->port());
    opts.url = s.wss_url();
    opts.ca_file = s.pki.ca_file();
    reconnecting_client client(t.io, opts, rec.callbacks());
    client.start();
    ASSERT_TRUE(rec.wait_for([&] { return rec.disconnected.has_value(); }));
    std::lock_guard lock(rec.mutex);
    EXPECT_EQ(rec.disconnected->code, 1015) << rec.disconnected->reason;
    EXPECT_NE(rec.disconnected->reason.find("hostname mismatch"), std::string::npos)
        << rec.disconnected->reason;
}

TEST(TlsServer, SpeaksTls12And13AndRefusesTls11) {
    tls_server s;
    const auto port = s.srv->port();
    auto v11 = e2e::test_client_context("", TLS1_1_VERSION, TLS1_1_VERSION);
    e2e::tls_peer old(port, v11.get());
    EXPECT_FALSE(old.ok()) << old.version();

    auto v12 = e2e::test_client_context(s.pki.ca_file(), 0, TLS1_2_VERSION);
    e2e::tls_peer peer12(port, v12.get());
    ASSERT_TRUE(peer12.ok()) << peer12.error();
    EXPECT_EQ(peer12.version(), "TLSv1.2");

    auto any = e2e::test_client_context(s.pki.ca_file());
    e2e::tls_peer peer13(port, any.get());
    ASSERT_TRUE(peer13.ok()) << peer13.error();
    EXPECT_EQ(peer13.version(), "TLSv1.3");
}

TEST(TlsServer, PlainHttpToTheTlsPortIsDroppedAndHttpsGoesOn) {
    tls_server s;
    const auto plain = e2e::http_request(s.srv->port(), "GET", "/healthz");
    EXPECT_NE(plain.status, 200);

    auto ctx = e2e::test_client_context(s.pki.ca_file());
    e2e::tls_peer peer(s.srv->port(), ctx.get());
    ASSERT_TRUE(peer.ok()) << peer.error();
    ASSERT_TRUE(peer.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
    ASSERT_TRUE(peer.read_until("{\"status\":\"ok\"}")) << peer.received();
    EXPECT_EQ(peer.received().rfind("HTTP/1.1 200", 0), 0u) << peer.received();
}

}  // namespace
}  // namespace kata::client::testing
