// Issue #14, item 13: a held event costs its frame plus at most 64 bytes. Measured with the
// allocator's own accounting (mallinfo2), which counts exactly what the ring keeps, so the
// check is deterministic; sanitizers replace the allocator, and there it is skipped.
#include <malloc.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <string>

#include "core/hub/history_ring.hpp"
#include "core/hub/hub.hpp"
#include "core/protocol/ws_frame_writer.hpp"

namespace kata::hub {
namespace {

std::size_t heap_in_use() {
    return mallinfo2().uordblks;
}

TEST(HistoryMemory, AHeldEventCostsItsFramePlusAtMost64Bytes) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer replaces the allocator";
#endif
    constexpr std::size_t events = 20000;
    // A 150-byte envelope, as the adversarial review measured.
    const std::string envelope(150, 'e');
    history_ring ring({events, std::size_t{1} << 30, std::chrono::hours(1)});
    const auto now = history_ring::clock::now();
    const auto before = heap_in_use();
    std::size_t frame_bytes = 0;
    for (std::size_t i = 1; i <= events; ++i) {
        auto f = protocol::ws::server_frame(protocol::ws::opcode::text, envelope);
        frame_bytes = f.size();
        ring.push(i, std::move(f), now);
    }
    const auto per_event = static_cast<double>(heap_in_use() - before) / events;
    EXPECT_LE(per_event, static_cast<double>(frame_bytes) + 64.0)
        << per_event << " bytes per held event for a " << frame_bytes << "-byte frame";
    EXPECT_EQ(ring.size(), events);
}

std::size_t resident_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
}

// history.max_total_bytes bounds what many one-event channels cost, not only their events: the
// channel, its map entry and its ring's blocks count too, and a channel whose last event is
// evicted goes with it.
TEST(HistoryMemory, ManyOneEventChannelsStayWithinTheTotalBound) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "the sanitizer replaces the allocator";
#endif
    constexpr std::size_t bound = 16u * 1024 * 1024;
    constexpr std::size_t channels = 300000;
    hub_settings s;
    s.max_total_history_bytes = bound;
    ::malloc_trim(0);
    const auto heap_before = heap_in_use();
    const auto rss_before = resident_bytes();
    {
        hub h(s);
        for (std::size_t i = 0; i < channels; ++i) {
            const protocol::channel_name name{protocol::channel_family::team,
                                              "c" + std::to_string(i)};
            h.publish(name, "log_entry", R"({"n":1})");
        }
        const auto heap_grew = heap_in_use() - heap_before;
        const auto rss_grew = resident_bytes() - rss_before;
        std::cout << channels << " one-event channels: heap +" << heap_grew << " B, RSS +"
                  << rss_grew << " B, " << h.channel_count() << " channels held\n";
        EXPECT_LE(h.history_bytes(), bound);
        EXPECT_LE(heap_grew, bound + bound / 4) << heap_grew << " heap bytes in use";
        EXPECT_LE(rss_grew, std::size_t{40} * 1024 * 1024) << rss_grew << " bytes of RSS grown";
        EXPECT_LT(h.channel_count(), channels / 10);
        EXPECT_EQ(h.channels_evicted.load() + h.channel_count(), channels);
    }
}

}  // namespace
}  // namespace kata::hub
