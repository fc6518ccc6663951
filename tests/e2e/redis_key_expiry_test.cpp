// With a history ttl, every Redis key of a channel expires with its history: a channel that is
// no longer published leaves nothing behind, and one published again starts a new epoch, so no
// event id is given twice.
#include <gtest/gtest.h>
#include <unistd.h>

#include "redis_broker_support.hpp"

namespace kata::e2e {
namespace {

TEST(RedisKeyExpiry, AChannelsKeysExpireWithItsHistoryAndItComesBackWithANewEpoch) {
    if (access(redis_server_binary, X_OK) != 0) GTEST_SKIP() << "no redis-server";
    redis_process redis;
    auto s = settings_for({redis.url()});
    s.history_ttl = 400ms;
    redis::redis_broker b(s);
    b.start();
    ASSERT_TRUE(eventually([&] { return b.ready(); }, 10s));

    const auto first = publish_all(b, {make_event("spec:ttl", "1"), make_event("spec:ttl", "2")});
    const auto published = std::chrono::steady_clock::now();
    ASSERT_TRUE(first.all_stored());
    const std::vector<std::string> keys = {"EXISTS", "test:spec:ttl:epoch", "test:spec:ttl:seq",
                                           "test:spec:ttl:stream", "test:spec:ttl:bytes"};
    EXPECT_EQ(redis.command(keys), "4");

    // Gone within ttl + 1 s of the last publish (EXISTS would also drop an expired key lazily:
    // DBSIZE shows that Redis itself reclaimed them).
    EXPECT_TRUE(eventually([&] { return redis.command(keys) == "0"; },
                           std::chrono::duration_cast<std::chrono::milliseconds>(
                               published + s.history_ttl + 1s - std::chrono::steady_clock::now())))
        << redis.command(keys).value_or("unreachable") << " of the channel's keys are left";
    EXPECT_TRUE(eventually([&] { return redis.command({"DBSIZE"}) == "0"; }, 5s))
        << redis.command({"KEYS", "*"}).value_or("");

    const auto second = publish_all(b, {make_event("spec:ttl", "3")});
    ASSERT_TRUE(second.all_stored());
    EXPECT_NE(second.ids[0]->epoch, first.ids[0]->epoch) << "an id would be given twice";
    EXPECT_EQ(second.ids[0]->sequence, 1u);
    for (const auto& old : first.ids)
        EXPECT_NE(old->str(), second.ids[0]->str());

    // A resume from before the expiry is told that it missed events.
    const auto h = history(b, "spec:ttl", *first.ids[1]);
    ASSERT_TRUE(h && h->available);
    EXPECT_FALSE(h->complete);
    EXPECT_EQ(h->position.epoch, second.ids[0]->epoch);
}

}  // namespace
}  // namespace kata::e2e
