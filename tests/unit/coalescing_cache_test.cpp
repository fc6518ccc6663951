// The HTTP directory's cache: TTLs, LRU bound, coalescing of lookups in flight, clear() racing a
// request. Time is passed in, never slept.
#include "core/auth/coalescing_cache.hpp"

#include <gtest/gtest.h>

namespace kata::auth {
namespace {

using namespace std::chrono_literals;
using cache = coalescing_cache<std::string>;
const cache::clock::time_point t0{};

lookup_result<std::string> found(std::string team) {
    return {lookup_status::found, std::move(team)};
}

struct recorder {
    std::vector<lookup_result<std::string>> answers;
    lookup_callback<std::string> callback() {
        return [this](lookup_result<std::string> r) { answers.push_back(std::move(r)); };
    }
};

TEST(CoalescingCache, IdenticalLookupsShareOneFetch) {
    cache c({10s, 1s, 100});
    recorder rec;
    int fetches = 0;
    for (int i = 0; i < 100; ++i) {
        auto cb = rec.callback();
        const auto b = c.begin("spec:s1", t0, cb);
        EXPECT_FALSE(b.cached);
        fetches += b.fetch ? 1 : 0;
    }
    EXPECT_EQ(fetches, 1);
    EXPECT_EQ(c.in_flight(), 1u);
    EXPECT_EQ(c.waiting(), 100u);
    auto waiters = c.complete("spec:s1", found("t1"), t0, 0);
    ASSERT_EQ(waiters.size(), 100u);
    for (auto& w : waiters)
        w(found("t1"));
    EXPECT_EQ(rec.answers.size(), 100u);
    EXPECT_EQ(c.in_flight(), 0u);
}

TEST(CoalescingCache, FreshLookupSkipsACachedAnswerButSharesOneInFlight) {
    cache c({10s, 1s, 100});
    recorder rec;
    auto cb = rec.callback();
    const auto gen = c.begin("k", t0, cb).generation;
    c.complete("k", found("t1"), t0, gen);

    // Re-validation: the cached `found` is not an answer, the backend is asked.
    cb = rec.callback();
    const auto fresh = c.begin_fresh("k", cb);
    EXPECT_FALSE(fresh.cached);
    EXPECT_TRUE(fresh.fetch);
    // A second fresh lookup, and an ordinary one for a key in flight, ride along.
    cb = rec.callback();
    EXPECT_FALSE(c.begin_fresh("k", cb).fetch);
    // The fresh answer replaces the cached one: a revocation reaches the next ordinary lookup.
    auto waiters = c.complete("k", {lookup_status::not_found, {}}, t0 + 1s, fresh.generation);
    EXPECT_EQ(waiters.size(), 2u);
    cb = rec.callback();
    const auto after = c.begin("k", t0 + 1s, cb);
    ASSERT_TRUE(after.cached);
    EXPECT_EQ(after.cached->status, lookup_status::not_found);
}

TEST(CoalescingCache, FoundIsCachedForTheTtlAndNotFoundForTheNegativeTtl) {
    cache c({10s, 1s, 100});
    recorder rec;
    auto cb = rec.callback();
    auto gen = c.begin("a", t0, cb).generation;
    c.complete("a", found("t1"), t0, gen);
    gen = c.begin("b", t0, cb).generation;
    c.complete("b", {lookup_status::not_found, {}}, t0, gen);

    cb = rec.callback();
    auto hit = c.begin("a", t0 + 9999ms, cb);
    ASSERT_TRUE(hit.cached);
    EXPECT_EQ(hit.cached->value, "t1");
    EXPECT_TRUE(cb) << "a hit leaves the callback to the caller";
    auto neg = c.begin("b", t0 + 999ms, cb);
    ASSERT_TRUE(neg.cached);
    EXPECT_EQ(neg.cached->status, lookup_status::not_found);

    EXPECT_TRUE(c.begin("a", t0 + 10s, cb).fetch) << "expired: asked again";
    EXPECT_TRUE(c.begin("b", t0 + 1s, cb).fetch);
}

TEST(CoalescingCache, UnavailableIsNeverCached) {
    cache c({10s, 1s, 100});
    recorder rec;
    auto cb = rec.callback();
    const auto gen = c.begin("a", t0, cb).generation;
    c.complete("a", {}, t0, gen);
    auto again = rec.callback();
    EXPECT_TRUE(c.begin("a", t0, again).fetch);
}

TEST(CoalescingCache, LeastRecentlyUsedIsEvictedAtCapacity) {
    cache c({10s, 1s, 2});
    recorder rec;
    for (const char* key : {"a", "b"}) {
        auto cb = rec.callback();
        c.complete(key, found(key), t0, c.begin(key, t0, cb).generation);
    }
    auto cb = rec.callback();
    ASSERT_TRUE(c.begin("a", t0, cb).cached);  // a is now the most recent
    c.complete("c", found("c"), t0, c.begin("c", t0, cb).generation);
    EXPECT_EQ(c.size(), 2u);
    EXPECT_TRUE(c.begin("a", t0, cb).cached);
    EXPECT_TRUE(c.begin("c", t0, cb).cached);
    auto fresh = rec.callback();
    EXPECT_TRUE(c.begin("b", t0, fresh).fetch) << "b was the least recently used";
}

TEST(CoalescingCache, ClearDropsAnswersAndAnAnswerStartedBeforeIt) {
    cache c({10s, 1s, 100});
    recorder rec;
    auto cb = rec.callback();
    c.complete("a", found("t1"), t0, c.begin("a", t0, cb).generation);
    auto cb2 = rec.callback();
    const auto before = c.begin("b", t0, cb2).generation;  // in flight across the clear
    c.clear();
    auto cb3 = rec.callback();
    EXPECT_TRUE(c.begin("a", t0, cb3).fetch);
    EXPECT_EQ(c.complete("b", found("old"), t0, before).size(), 1u) << "waiters still answered";
    auto cb4 = rec.callback();
    EXPECT_TRUE(c.begin("b", t0, cb4).fetch) << "but the pre-clear answer was not kept";
}

TEST(CoalescingCache, ZeroCapacityOrTtlCachesNothing) {
    cache none({10s, 1s, 0});
    cache no_ttl({0ms, 0ms, 10});
    recorder rec;
    for (cache* c : {&none, &no_ttl}) {
        auto cb = rec.callback();
        c->complete("a", found("t"), t0, c->begin("a", t0, cb).generation);
        auto again = rec.callback();
        EXPECT_TRUE(c->begin("a", t0, again).fetch);
    }
}

TEST(CoalescingCache, TakeAllWaitersEmptiesTheTable) {
    cache c({10s, 1s, 10});
    recorder rec;
    for (const char* key : {"a", "a", "b"}) {
        auto cb = rec.callback();
        c.begin(key, t0, cb);
    }
    EXPECT_EQ(c.take_all_waiters().size(), 3u);
    EXPECT_EQ(c.in_flight(), 0u);
}

TEST(CoalescingCache, EraseIfForgetsOnlyTheMatchingAnswersAndTheLookupsInFlight) {
    cache c({10s, 1s, 100});
    recorder rec;
    auto cb = rec.callback();
    for (const char* key : {"a", "b", "c"}) {
        const auto gen = c.begin(key, t0, cb).generation;
        c.complete(key, found(std::string(key) == "c" ? "t2" : "t1"), t0, gen);
    }
    cb = rec.callback();
    const auto in_flight = c.begin("d", t0, cb);
    ASSERT_TRUE(in_flight.fetch);

    const auto n = c.erase_if(
        [](const std::string&, const lookup_result<std::string>& r) { return r.value == "t1"; });
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(c.size(), 1u);
    cb = rec.callback();
    EXPECT_TRUE(c.begin("a", t0, cb).fetch) << "forgotten: asked again";
    cb = rec.callback();
    EXPECT_TRUE(c.begin("c", t0, cb).cached) << "another team's answer stays";
    // The answer of a lookup that started before the erase may predate the disconnect: not kept.
    c.complete("d", found("t1"), t0, in_flight.generation);
    cb = rec.callback();
    EXPECT_TRUE(c.begin("d", t0, cb).fetch);
}

}  // namespace
}  // namespace kata::auth
