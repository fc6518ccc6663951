// The reconnecting client against an in-process server: delivery, close, errors, terminal codes.
#include "tests/e2e/client_support.hpp"

namespace kata::client::testing {
namespace {

class ClientSubscribe : public ::testing::Test {
  protected:
    std::unique_ptr<server::server> server_ = start_server(test_config(0));
    client_thread thread_;
    recorder rec_;
};

TEST_F(ClientSubscribe, DeliversEventsPublishedOnASubscribedChannel) {
    reconnecting_client client(thread_.io, options_for(server_->port()), rec_.callbacks());
    client.subscribe(channel("agent:a1"), rec_.handler());
    client.start();
    ASSERT_TRUE(rec_.wait_for([&] { return !rec_.subscribed.empty(); }));
    EXPECT_EQ(rec_.subscribed[0].first, "agent:a1");
    EXPECT_FALSE(rec_.subscribed[0].second);  // a first subscribe carries no `since`

    const auto id = server_->hub().publish(channel("agent:a1"), "agent_status_changed",
                                           R"({"status":"running"})");
    ASSERT_TRUE(rec_.wait_for([&] { return !rec_.events.empty(); }));
    EXPECT_EQ(rec_.events[0].event_id, id);
    EXPECT_EQ(rec_.events[0].channel, "agent:a1");
    EXPECT_EQ(rec_.events[0].payload_json, R"({"status":"running"})");
    EXPECT_EQ(rec_.lifecycle, (std::vector<std::string>{"connecting", "connected"}));
}

TEST_F(ClientSubscribe, CloseEndsInDisconnectedWith1000AndNoRetry) {
    reconnecting_client client(thread_.io, options_for(server_->port()), rec_.callbacks());
    client.start();
    ASSERT_TRUE(rec_.wait_for([&] { return rec_.connected == 1; }));
    client.close();
    ASSERT_TRUE(rec_.wait_for([&] { return rec_.disconnected.has_value(); }));
    EXPECT_EQ(rec_.disconnected->code, 1000);
    EXPECT_EQ(rec_.lifecycle,
              (std::vector<std::string>{"connecting", "connected", "disconnected"}));
}

TEST_F(ClientSubscribe, UnsubscribeStopsDelivery) {
    reconnecting_client client(thread_.io, options_for(server_->port()), rec_.callbacks());
    client.subscribe(channel("agent:a1"), rec_.handler());
    client.start();
    ASSERT_TRUE(rec_.wait_for([&] { return rec_.subscribed.size() == 1; }));
    client.unsubscribe(channel("agent:a1"));
    client.subscribe(channel("spec:s1"), rec_.handler());
    // Commands are handled in order, so once spec:s1 is confirmed agent:a1 is gone; the spec event
    // published last then proves the agent event had its chance to arrive.
    ASSERT_TRUE(rec_.wait_for([&] { return rec_.subscribed.size() == 2; }));
    server_->hub().publish(channel("agent:a1"), "log_entry", "{}");
    const auto last = server_->hub().publish(channel("spec:s1"), "log_entry", "{}");
    ASSERT_TRUE(rec_.wait_for([&] { return !rec_.events.empty(); }));
    std::lock_guard lock(rec_.mutex);
    ASSERT_EQ(rec_.events.size(), 1u);
    EXPECT_EQ(rec_.events[0].event_id, last);
}

TEST_F(ClientSubscribe, ForbiddenChannelIsAnErrorEventAndTheConnectionStays) {
    reconnecting_client client(thread_.io, options_for(server_->port()), rec_.callbacks());
    client.subscribe(channel("agent:someone-elses"), rec_.handler());
    client.subscribe(channel("agent:a1"), rec_.handler());
    client.start();
    ASSERT_TRUE(rec_.wait_for([&] { return !rec_.errors.empty() && !rec_.subscribed.empty(); }));
    EXPECT_EQ(rec_.errors[0].kind, error_kind::server_error);
    EXPECT_EQ(rec_.errors[0].code, "forbidden");
    EXPECT_EQ(rec_.errors[0].channel, "agent:someone-elses");
    EXPECT_EQ(rec_.connected, 1);
    EXPECT_TRUE(rec_.reconnects.empty());
}

TEST_F(ClientSubscribe, WrongKeyEndsInDisconnected4401AfterExactlyOneAttempt) {
    reconnecting_client client(thread_.io, options_for(server_->port(), "not-a-key"),
                               rec_.callbacks());
    client.subscribe(channel("agent:a1"), rec_.handler());
    client.start();
    ASSERT_TRUE(rec_.wait_for([&] { return rec_.disconnected.has_value(); }));
    EXPECT_EQ(rec_.disconnected->code, 4401);
    EXPECT_TRUE(rec_.reconnects.empty());
    // One attempt: connecting once, never reconnecting; the server saw one connection.
    EXPECT_EQ(std::count(rec_.lifecycle.begin(), rec_.lifecycle.end(), "connecting"), 1);
    // The upgrade itself succeeds, then the server closes: never reported as connected.
    EXPECT_EQ(rec_.lifecycle, (std::vector<std::string>{"connecting", "disconnected"}));
    EXPECT_EQ(rec_.connected, 0);
}

TEST_F(ClientSubscribe, RefusedConnectionIsRetriedWithBackoff) {
    const auto port = server_->port();
    server_->stop();
    server_.reset();
    auto opts = options_for(port);
    opts.min_delay = 10ms;
    opts.max_delay = 40ms;
    opts.random = [] { return 0.5; };
    reconnecting_client client(thread_.io, opts, rec_.callbacks());
    client.start();
    ASSERT_TRUE(rec_.wait_for([&] { return rec_.reconnects.size() >= 4; }));
    client.close();
    ASSERT_TRUE(rec_.wait_for([&] { return rec_.disconnected.has_value(); }));
    std::lock_guard lock(rec_.mutex);
    EXPECT_EQ(rec_.reconnects[0].delay, 15ms);  // 10 + 0.5 * 10
    EXPECT_EQ(rec_.reconnects[1].delay, 20ms);  // 10 + 0.5 * 20
    EXPECT_EQ(rec_.reconnects[2].delay, 30ms);  // 10 + 0.5 * 40
    EXPECT_EQ(rec_.reconnects[3].delay, 30ms);  // window capped at max_delay
    EXPECT_EQ(rec_.reconnects[0].attempt, 0u);
    EXPECT_EQ(rec_.reconnects[3].attempt, 3u);
    EXPECT_EQ(rec_.disconnected->code, 1000);
}

}  // namespace
}  // namespace kata::client::testing
