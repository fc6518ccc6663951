// The HTTP directory's cache and coalescing against a real backend: a reconnect storm of one key
// costs one backend request, revocations take effect within cache_ttl_ms (at once after a clear,
// as on SIGHUP), and an open connection is re-checked at its next subscribe once its cached
// principal expired.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <future>

#include "http_directory_support.hpp"

namespace kata::e2e {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class HttpDirectoryCache : public ::testing::Test {
  protected:
    http_directory_fixture f;
};

// `n` upgrades of one key sent at once from one thread; true when every one got its 101.
bool storm(std::uint16_t port, const std::string& key, int n) {
    asio::io_context io;
    const std::string request =
        "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Authorization: Bearer " +
        key + "\r\n\r\n";
    struct client {
        explicit client(asio::io_context& io) : socket(io) {}
        tcp::socket socket;
        asio::streambuf answer;
        bool upgraded = false;
    };
    std::vector<std::unique_ptr<client>> clients;
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    for (int i = 0; i < n; ++i) {
        clients.push_back(std::make_unique<client>(io));
        auto* c = clients.back().get();
        c->socket.async_connect(ep, [c, &request](boost::system::error_code ec) {
            if (ec) return;
            asio::async_write(
                c->socket, asio::buffer(request), [c](boost::system::error_code ec, std::size_t) {
                    if (ec) return;
                    asio::async_read_until(c->socket, c->answer, "\r\n\r\n",
                                           [c](boost::system::error_code ec, std::size_t) {
                                               if (ec) return;
                                               const std::string head(
                                                   asio::buffers_begin(c->answer.data()),
                                                   asio::buffers_end(c->answer.data()));
                                               c->upgraded = head.starts_with("HTTP/1.1 101");
                                           });
                });
        });
    }
    io.run_for(20s);
    int upgraded = 0;
    for (const auto& c : clients)
        upgraded += c->upgraded ? 1 : 0;
    return upgraded == n;
}

TEST_F(HttpDirectoryCache, ThousandConnectsOfOneKeyCostOneAuthenticateRequest) {
    auto cfg = test_config();
    cfg.threads = 2;
    f.backend.set_delay(5ms);
    f.start(cfg);
    ASSERT_TRUE(storm(f.port(), key_t1, 1000));
    // Every one of them was accepted (a refused one is upgraded too, then closed: count opens).
    ASSERT_TRUE(
        eventually([&] { return f.server->srv->stats().connections_accepted == 1000; }, 10s));
    EXPECT_EQ(f.backend.authenticate_count(), 1);
}

TEST_F(HttpDirectoryCache, IdenticalLookupsInFlightShareOneRequest) {
    // No cache at all: only coalescing can save requests here. The backend holds its answers
    // until every lookup has been asked, so all of them are in flight together.
    f.settings.cache_ttl = 0ms;
    f.settings.negative_cache_ttl = 0ms;
    f.settings.pool_size = 1;  // requests reach the backend in order: see the last lookup below
    f.start();
    f.backend.hold();
    std::mutex m;
    std::condition_variable cv;
    int answered = 0, allowed = 0;
    for (int i = 0; i < 100; ++i) {
        f.dir->team_of(auth::owner_kind::spec, "s1", [&](auth::lookup_result<std::string> r) {
            std::lock_guard lock(m);
            ++answered;
            allowed += r.status == auth::lookup_status::found && r.value == "t1" ? 1 : 0;
            cv.notify_all();
        });
    }
    EXPECT_EQ(f.dir->lookups_waiting(), 100u);
    ASSERT_TRUE(eventually([&] { return f.backend.owner_count() >= 1; }));
    f.backend.release();
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return answered == 100; }));
    EXPECT_EQ(allowed, 100);
    lock.unlock();
    // A later lookup, answered after every request made before it reached the backend.
    std::promise<auth::lookup_status> later;
    f.dir->team_of(auth::owner_kind::agent, "a1",
                   [&](auth::lookup_result<std::string> r) { later.set_value(r.status); });
    auto answer = later.get_future();
    ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(answer.get(), auth::lookup_status::found);
    EXPECT_EQ(f.backend.owner_count(), 2) << "one for spec:s1, one for agent:a1";
}

TEST_F(HttpDirectoryCache, HundredSubscribesToOneSpecCostOneOwnerRequest) {
    // One pooled connection: requests reach the backend in the order they were made, so the
    // count below is final once a later lookup has been answered.
    f.settings.pool_size = 1;
    auto cfg = test_config();
    cfg.limits.commands_per_second = 1000;
    f.start(cfg);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
    f.backend.hold();  // all 100 are in flight before the first answer
    for (int i = 0; i < 100; ++i) {
        peer.send(
            {{"type", "subscribe"}, {"channel", "spec:s1"}, {"requestId", std::to_string(i)}});
    }
    // Every subscribe waits for the answer before it is given (else the cache, not coalescing,
    // would save the requests).
    ASSERT_TRUE(eventually([&] { return f.dir->lookups_waiting() == 100; }));
    f.backend.release();
    int subscribed = 0;
    for (int i = 0; i < 100; ++i) {
        const auto frame = peer.next(5s);
        ASSERT_TRUE(frame) << i;
        subscribed += (*frame)["type"] == "subscribed" ? 1 : 0;
    }
    EXPECT_EQ(subscribed, 100);
    EXPECT_EQ(peer.subscribe("spec:s2")["payload"]["code"], "forbidden");
    EXPECT_EQ(f.backend.owner_count(), 2) << "one for spec:s1, one for spec:s2";
}

TEST_F(HttpDirectoryCache, ClearingTheCacheAppliesARevocationAtOnce) {
    f.start();
    ws_peer first;
    ASSERT_TRUE(first.connect(f.port(), bearer(key_t1)));
    ASSERT_EQ(first.subscribe("spec:s1")["type"], "subscribed");
    f.backend.forget_credential(auth::sha256_hex(key_t1));
    f.backend.set_owner("spec:s1", {200, R"({"team":"t2"})"});  // the spec moved
    // Within cache_ttl_ms (10 s here) the cached answers still hold...
    ws_peer cached;
    ASSERT_TRUE(cached.connect(f.port(), bearer(key_t1)));
    EXPECT_EQ(cached.subscribe("spec:s1")["type"], "subscribed");
    // ...until they are cleared (SIGHUP): then both the key and the move take effect.
    f.dir->clear_cache();
    ws_peer revoked;
    ASSERT_TRUE(revoked.connect(f.port(), bearer(key_t1)));
    ASSERT_TRUE(revoked.wait_closed());
    EXPECT_EQ(revoked.close_code(), 4401);
    // The open connection is re-checked at its next subscribe, not before.
    EXPECT_FALSE(first.closed());
    first.send({{"type", "subscribe"}, {"channel", "spec:s1"}, {"requestId", "again"}});
    ASSERT_TRUE(first.wait_closed());
    EXPECT_EQ(first.close_code(), 4401);
}

TEST_F(HttpDirectoryCache, RevocationReachesNewAndOpenConnectionsWithinTheTtl) {
    f.settings.cache_ttl = 300ms;
    f.start();
    ws_peer open;
    ASSERT_TRUE(open.connect(f.port(), bearer(key_t2)));
    ASSERT_EQ(open.subscribe("spec:s2")["type"], "subscribed");
    f.backend.set_owner("spec:s2", {200, R"({"team":"t1"})"});  // moved to another team
    f.backend.forget_credential(auth::sha256_hex(key_t2));
    const auto revoked_at = std::chrono::steady_clock::now();
    // New connects: refused once the cached principal expired (polled, with a deadline).
    ASSERT_TRUE(eventually(
        [&] {
            ws_peer p;
            // Accepted while cached (no close comes): try again; refused: closed at once.
            return p.connect(f.port(), bearer(key_t2)) && p.wait_closed(200ms) &&
                   p.close_code() == 4401;
        },
        5s));
    EXPECT_LT(std::chrono::steady_clock::now() - revoked_at, 300ms + 1000ms);
    // The open connection: closed 4401 at its next subscribe after the expiry.
    open.send({{"type", "subscribe"}, {"channel", "spec:s2"}, {"requestId", "late"}});
    ASSERT_TRUE(open.wait_closed());
    EXPECT_EQ(open.close_code(), 4401);
    EXPECT_EQ(open.close_reason(), "credential revoked");
}

}  // namespace
}  // namespace kata::e2e

namespace kata::e2e {
namespace {

TEST_F(HttpDirectoryCache, AMovedSpecIsForbiddenWithinTheTtl) {
    f.settings.cache_ttl = 300ms;
    auto cfg = test_config();
    cfg.limits.commands_per_second = 100000;  // the polling below must not be rate limited
    f.start(cfg);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
    ASSERT_EQ(peer.subscribe("spec:s1")["type"], "subscribed");
    f.backend.set_owner("spec:s1", {200, R"({"team":"t2"})"});
    const auto moved_at = std::chrono::steady_clock::now();
    int n = 0;
    // Subscribing again is answered from the cache until it expires, then by the backend.
    ASSERT_TRUE(eventually([&] {
        return peer.subscribe("spec:s1", std::to_string(++n))["payload"]["code"] == "forbidden";
    }));
    EXPECT_LT(std::chrono::steady_clock::now() - moved_at, 300ms + 1000ms);
    EXPECT_FALSE(peer.closed()) << "the key is still known: only the subscribe is refused";
}

}  // namespace
}  // namespace kata::e2e
