// Issue #14 item 2, client side: the reconnecting client hands the application the payload text
// the server sent, not a re-serialization (which sorted keys and rounded big numbers).
#include "tests/e2e/client_support.hpp"

namespace kata::client::testing {
namespace {

TEST(ClientPayload, DeliveredAsSent) {
    auto server = start_server(test_config(0));
    client_thread thread;
    recorder rec;
    reconnecting_client client(thread.io, options_for(server->port()), rec.callbacks());
    client.subscribe(channel("agent:a1"), rec.handler());
    client.start();
    ASSERT_TRUE(rec.wait_for([&] { return !rec.subscribed.empty(); }));
    const std::string payload =
        R"({"z":123456789012345678901234567890,"a":"\u00e9","n":1.50,"e":1E2,"s":"a\/b"})";
    server->hub().publish(channel("agent:a1"), "log_entry", payload);
    ASSERT_TRUE(rec.wait_for([&] { return !rec.events.empty(); }));
    std::lock_guard lock(rec.mutex);
    EXPECT_EQ(rec.events[0].payload_json, payload);
}

// permessage-deflate, offered by default: a log event large enough to be compressed arrives
// inflated, exactly as sent, to a client with and one without compression on the same channel,
// and the server compressed it once.
TEST(ClientPayload, CompressedEventsArriveAsSent) {
    auto server = start_server(test_config(0));
    client_thread thread;
    recorder zipped, plain;
    auto plain_options = options_for(server->port());
    plain_options.deflate = false;
    reconnecting_client a(thread.io, options_for(server->port()), zipped.callbacks());
    reconnecting_client b(thread.io, plain_options, plain.callbacks());
    a.subscribe(channel("agent:a1"), zipped.handler());
    b.subscribe(channel("agent:a1"), plain.handler());
    a.start();
    b.start();
    ASSERT_TRUE(zipped.wait_for([&] { return !zipped.subscribed.empty(); }));
    ASSERT_TRUE(plain.wait_for([&] { return !plain.subscribed.empty(); }));
    std::string line;
    while (line.size() < 2000)
        line += "2026-12-07T20:41:07Z INFO [agent-7f3a] Compiling serde v1.0.193 ";
    const std::string payload = R"({"line":")" + line + R"("})";
    const auto before = server->hub().compressions.load();
    server->hub().publish(channel("agent:a1"), "log_entry", payload);
    ASSERT_TRUE(zipped.wait_for([&] { return !zipped.events.empty(); }));
    ASSERT_TRUE(plain.wait_for([&] { return !plain.events.empty(); }));
    EXPECT_EQ(server->hub().compressions.load(), before + 1);
    std::scoped_lock lock(zipped.mutex, plain.mutex);
    EXPECT_EQ(zipped.events[0].payload_json, payload);
    EXPECT_EQ(plain.events[0].payload_json, payload);
}

}  // namespace
}  // namespace kata::client::testing
