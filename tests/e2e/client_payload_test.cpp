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

}  // namespace
}  // namespace kata::client::testing
