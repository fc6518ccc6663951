// The global history budget (history.max_total_bytes) under concurrent publishers: its count
// stays the sum of what every channel holds, so it never wraps and never makes the trim evict
// the history of channels nobody is publishing to.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/hub/hub.hpp"

namespace kata::hub {
namespace {

const protocol::channel_name quiet{protocol::channel_family::team, "quiet"};
const protocol::channel_name busy{protocol::channel_family::team, "busy"};

struct nobody final : subscriber {
    void deliver(const channel&, std::uint64_t, const frame&) override {}
};

TEST(HistoryBudget, PublishersRacingOnOneChannelNeverEvictAnotherChannelsHistory) {
    hub_settings s;
    s.history.max_events = 1;  // each publish on `busy` replaces its one event
    s.max_total_history_bytes = 1024 * 1024;
    hub h(s);
    const auto first = h.publish(quiet, "log_entry", "{}");
    h.publish(quiet, "log_entry", "{}");

    // Big and small events alternate on `busy`: each publish moves its cost up or down by
    // ~2 KiB. Applied out of order (a decrease before the increase it follows), the count dips
    // under zero.
    const std::string big = R"({"pad":")" + std::string(2000, 'x') + R"("})";
    constexpr unsigned threads = 6;
    constexpr unsigned rounds = 100000;
    std::atomic<bool> done{false};
    std::atomic<std::size_t> highest{0};
    std::thread monitor([&] {
        while (!done.load()) {
            const auto used = h.history_bytes();
            if (used > highest.load()) highest.store(used);
        }
    });
    std::vector<std::thread> publishers;
    for (unsigned t = 0; t < threads; ++t) {
        publishers.emplace_back([&, t] {
            for (unsigned i = 0; i < rounds; ++i)
                h.publish(busy, "log_entry", (i + t) % 2 ? std::string_view(big) : "{}");
        });
    }
    for (auto& p : publishers)
        p.join();
    done = true;
    monitor.join();

    EXPECT_LE(highest.load(), s.max_total_history_bytes) << "the count went past the bound";
    EXPECT_LE(h.history_bytes(), 16u * 1024) << "two channels of one event each";
    nobody sub;
    const auto att = h.attach(quiet, &sub, first);
    EXPECT_EQ(att.recovered, std::optional<bool>(true)) << "the quiet channel's event was evicted";
    EXPECT_EQ(att.replay.size(), 1u);
    EXPECT_EQ(h.channels_evicted.load(), 0u);
    h.detach(*att.ch, &sub);
}

}  // namespace
}  // namespace kata::hub
