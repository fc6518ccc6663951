// Issue #14, item 13: a held event costs its frame plus at most 64 bytes. Measured with the
// allocator's own accounting (mallinfo2), which counts exactly what the ring keeps, so the
// check is deterministic; sanitizers replace the allocator, and there it is skipped.
#include <malloc.h>

#include <gtest/gtest.h>

#include <string>

#include "core/hub/history_ring.hpp"
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

}  // namespace
}  // namespace kata::hub
