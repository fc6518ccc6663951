// A server that stops sending (frozen behind a TCP relay) is detected within server_timeout.
#include "tests/e2e/client_support.hpp"
#include "tests/e2e/tcp_relay.hpp"

namespace kata::client::testing {
namespace {

using e2e::tcp_relay;

TEST(ClientTimeout, AFrozenServerIsDetectedWithinServerTimeout) {
    auto server = start_server(test_config(0));
    tcp_relay relay(server->port());
    client_thread thread;
    recorder rec;
    auto opts = options_for(relay.port());
    opts.server_timeout = 600ms;
    opts.min_delay = 5s;  // one detection is the subject; no reconnect during the test
    reconnecting_client client(thread.io, opts, rec.callbacks());
    client.subscribe(channel("agent:a1"), rec.handler());
    client.start();
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() == 1; }));

    // A live server that publishes nothing for several server_timeouts is not dropped: the
    // client's keep-alive pings get answered.
    EXPECT_FALSE(rec.wait_for([&] { return !rec.reconnects.empty(); }, 1500ms));

    const auto frozen_at = std::chrono::steady_clock::now();
    relay.freeze();
    ASSERT_TRUE(rec.wait_for([&] { return !rec.reconnects.empty(); }, 5s));
    std::lock_guard lock(rec.mutex);
    const auto detected_after = rec.reconnect_at[0] - frozen_at;
    // Scheduling slack on a loaded 2-core machine; the bound is server_timeout, not half of it.
    EXPECT_LE(detected_after, opts.server_timeout + 300ms);
    EXPECT_EQ(rec.reconnects[0].code, 1006);
    EXPECT_NE(rec.reconnects[0].reason.find("server timeout"), std::string::npos)
        << rec.reconnects[0].reason;
}

}  // namespace
}  // namespace kata::client::testing
