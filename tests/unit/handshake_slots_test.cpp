#include "core/server/tls/handshake_slots.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "core/auth/file_directory.hpp"

namespace kata::server {
namespace {

using namespace std::chrono_literals;
using clock = handshake_slots::clock;

config::server_config limits(std::size_t connections, std::size_t handshakes) {
    config::server_config cfg;
    cfg.limits.max_connections = connections;
    cfg.limits.max_tls_handshakes = handshakes;
    return cfg;
}

struct HandshakeSlots : ::testing::Test {
    explicit HandshakeSlots(config::server_config cfg = limits(3, 2))
        : state(std::move(cfg), std::make_shared<auth::file_directory>(auth::directory_config{})),
          slots(state, state.config.limits.max_tls_handshakes) {}
    boost::asio::io_context ioc;
    server_state state;
    handshake_slots slots;
    const clock::time_point t0 = clock::now();
};

TEST_F(HandshakeSlots, PastTheBoundNewConnectionsWaitUntilTheOldestIsStaleThenItIsCut) {
    bool first_cut = false;
    auto first = slots.admit(ioc.get_executor(), t0);
    first->on_cut([&] { first_cut = true; });
    auto second = slots.admit(ioc.get_executor(), t0 + 100ms);
    EXPECT_EQ(state.counters.tls_handshakes.load(), 2u);
    // Both slots are young: the next connection stays in the backlog until the oldest is stale.
    EXPECT_EQ(slots.wait_before_accept(t0 + 400ms), handshake_slots::stale_after - 400ms);
    EXPECT_EQ(slots.wait_before_accept(t0 + 1s), clock::duration::zero());
    auto third = slots.admit(ioc.get_executor(), t0 + 1s);
    ASSERT_TRUE(third);
    ioc.run();  // the cut runs on the handshake's own executor
    EXPECT_TRUE(first_cut);
    EXPECT_TRUE(first->was_cut());
    EXPECT_FALSE(second->was_cut());
    EXPECT_EQ(state.counters.tls_handshakes.load(), 2u);
    EXPECT_EQ(state.counters.tls_handshakes_cut.load(), 1u);
    first.reset();  // its slot went to the third: nothing to give back
    second.reset();
    EXPECT_EQ(state.counters.tls_handshakes.load(), 1u);
    // Handshakes hold max_connections slots: two WebSockets fit beside the third, not three.
    EXPECT_TRUE(state.try_reserve_connection());
    EXPECT_TRUE(state.try_reserve_connection());
    EXPECT_FALSE(state.try_reserve_connection());
    third.reset();
    EXPECT_EQ(state.counters.tls_handshakes.load(), 0u);
    EXPECT_TRUE(state.try_reserve_connection());
}

TEST_F(HandshakeSlots, WhenWebSocketsHoldEveryConnectionSlotAHandshakeIsRefused) {
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(state.try_reserve_connection());
    EXPECT_EQ(slots.wait_before_accept(t0), clock::duration::zero()) << "accepted, then closed";
    EXPECT_FALSE(slots.admit(ioc.get_executor(), t0));
    state.release_connection();
    auto one = slots.admit(ioc.get_executor(), t0);
    ASSERT_TRUE(one);
    // max_connections is reached with a handshake among them: it gives way once stale.
    EXPECT_GT(slots.wait_before_accept(t0 + 10ms), clock::duration::zero());
    EXPECT_TRUE(slots.admit(ioc.get_executor(), t0 + 2s));
    ioc.run();
    EXPECT_TRUE(one->was_cut());
}

}  // namespace
}  // namespace kata::server
