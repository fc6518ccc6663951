// 200 clients whose server restarts spread their retries (full jitter) and all come back.
#include <algorithm>

#include "tests/e2e/client_support.hpp"

namespace kata::client::testing {
namespace {

constexpr int clients = 200;

TEST(ClientHerd, RetriesAreSpreadAndEveryClientComesBack) {
    auto server = start_server(test_config(0));
    const auto port = server->port();
    client_thread thread;
    std::vector<std::unique_ptr<recorder>> recs;
    std::vector<std::unique_ptr<reconnecting_client>> subs;
    for (int i = 0; i < clients; ++i) {
        recs.push_back(std::make_unique<recorder>());
        // Default policy: the first retry lands in [500, 1000) ms, spread by each client's own
        // random source.
        subs.push_back(std::make_unique<reconnecting_client>(thread.io, options_for(port),
                                                             recs.back()->callbacks()));
        subs.back()->subscribe(channel("agent:a1"), recs.back()->handler());
        subs.back()->start();
    }
    for (auto& rec : recs)
        ASSERT_TRUE(rec->wait_for([&] { return rec->subscribed.size() == 1; }));

    server->stop();  // every connection closed with 1001: all 200 lose it at the same moment
    server = start_server(test_config(port));

    std::vector<std::chrono::steady_clock::time_point> retry_at;
    for (auto& rec : recs) {
        ASSERT_TRUE(rec->wait_for([&] { return !rec->reconnects.empty(); }));
        std::lock_guard lock(rec->mutex);
        EXPECT_EQ(rec->reconnects[0].code, 1001);
        retry_at.push_back(rec->reconnect_at[0] + rec->reconnects[0].delay);
    }
    std::sort(retry_at.begin(), retry_at.end());
    // The most retries any 50 ms window holds: far from all of them.
    std::size_t densest = 0;
    for (std::size_t i = 0, j = 0; i < retry_at.size(); ++i) {
        while (retry_at[i] - retry_at[j] > 50ms)
            ++j;
        densest = std::max(densest, i - j + 1);
    }
    EXPECT_LT(densest, static_cast<std::size_t>(clients / 2)) << "retries bunched up";
    EXPECT_GT(retry_at.back() - retry_at.front(), 250ms);

    for (auto& rec : recs) {
        ASSERT_TRUE(rec->wait_for([&] { return rec->subscribed.size() == 2; }, 30s));
    }
    const auto id = server->hub().publish(channel("agent:a1"), "log_entry", "{}");
    for (auto& rec : recs) {
        ASSERT_TRUE(rec->wait_for(
            [&] { return !rec->events.empty() && rec->events.back().event_id == id; }));
        std::lock_guard lock(rec->mutex);
        EXPECT_FALSE(rec->disconnected.has_value());
    }
    subs.clear();  // before the recorders they call into
}

}  // namespace
}  // namespace kata::client::testing
