// A Redis that hangs (SIGSTOP: its kernel still acknowledges, nothing answers) is noticed by a
// node that is not publishing: each shard's connections are health-checked while idle, and a
// subscribe or unsubscribe is watched like any command.
#include <gtest/gtest.h>
#include <unistd.h>

#include "cluster_support.hpp"
#include "redis_broker_support.hpp"

namespace kata::e2e {
namespace {

// SIGCONT however the test ends (a failed ASSERT returns early), so no stopped server outlives
// its test.
class hung_redis {
  public:
    explicit hung_redis(redis_process& r) : r_(r) { r_.pause(); }
    ~hung_redis() { r_.resume(); }
    hung_redis(const hung_redis&) = delete;
    hung_redis& operator=(const hung_redis&) = delete;

  private:
    redis_process& r_;
};

class RedisHealth : public ::testing::Test {
  protected:
    void SetUp() override {
        if (access(redis_server_binary, X_OK) != 0) GTEST_SKIP() << "no redis-server";
        redis_ = std::make_unique<redis_process>();
    }
    std::unique_ptr<redis_process> redis_;
};

TEST_F(RedisHealth, AnIdleNodeNoticesAHungRedisThenItsReturn) {
    auto s = settings_for({redis_->url()});
    s.connect_timeout = 500ms;
    s.health_check = 200ms;
    redis::redis_broker b(s);
    b.start();
    ASSERT_TRUE(eventually([&] { return b.ready(); }, 10s));
    {
        hung_redis hang(*redis_);
        const auto started = std::chrono::steady_clock::now();
        // Nothing is published or subscribed: only the health check can tell. Nominally within
        // health_check + connect_timeout (700 ms); the bound leaves room for a loaded machine.
        ASSERT_TRUE(eventually([&] { return !b.ready(); }, 5s));
        EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    }
    EXPECT_TRUE(eventually([&] { return b.ready(); }, 10s));
    EXPECT_TRUE(publish_all(b, {make_event("spec:back", "1")}).all_stored());
}

TEST_F(RedisHealth, AnOpenOnAHungRedisFailsWithinTheTimeout) {
    auto s = settings_for({redis_->url()});
    s.connect_timeout = 500ms;
    s.health_check = 60s;  // out of the way: the SUBSCRIBE's own deadline must answer
    redis::redis_broker b(s);
    b.start();
    ASSERT_TRUE(eventually([&] { return b.ready(); }, 10s));
    hung_redis hang(*redis_);
    const auto started = std::chrono::steady_clock::now();
    const auto opened = open(b, "spec:hung");
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(opened) << "the open was never answered";
    EXPECT_FALSE(*opened);
    EXPECT_LT(took, s.connect_timeout + 1500ms);
    EXPECT_FALSE(b.ready());
}

TEST_F(RedisHealth, ASubscribeOnAHungRedisGetsBrokerUnavailableAndReadyzTurns503) {
    auto cfg = cluster_config({redis_->url()});
    cfg.broker.connect_timeout = 800ms;
    cfg.broker.health_check = 30s;  // the subscribe alone must notice the hang
    running_server node(cfg);
    wait_ready({node.port()});
    ws_peer peer;
    ASSERT_TRUE(peer.connect(node.port(), {{"Authorization", "Bearer " + key_t1}}));

    hung_redis hang(*redis_);
    const auto started = std::chrono::steady_clock::now();
    const auto answer = peer.subscribe("spec:s1");
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(answer["type"], "error") << answer.dump();
    EXPECT_EQ(answer["payload"]["code"], "broker_unavailable") << answer.dump();
    EXPECT_LT(took, cfg.broker.connect_timeout + 1500ms);
    EXPECT_EQ(http_request(node.port(), "GET", "/readyz").status, 503);
}

TEST_F(RedisHealth, ReadyzTurns503WithinThreeSecondsOfAHangWithTheDefaults) {
    auto cfg = cluster_config({redis_->url()});
    ASSERT_EQ(cfg.broker.connect_timeout, 1000ms);
    ASSERT_EQ(cfg.broker.health_check, 1000ms);
    running_server node(cfg);
    wait_ready({node.port()});
    {
        hung_redis hang(*redis_);
        const auto started = std::chrono::steady_clock::now();
        ASSERT_TRUE(eventually(
            [&] { return http_request(node.port(), "GET", "/readyz").status == 503; }, 10s));
        // 2 s nominal (one interval, then the timeout); a loaded machine gets one more second.
        EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    }
    wait_ready({node.port()});
}

}  // namespace
}  // namespace kata::e2e
