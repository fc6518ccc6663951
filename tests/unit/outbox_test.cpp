#include "core/server/ws/outbox.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kata::server {
namespace {

hub::frame frame_of(const std::string& s) {
    return protocol::shared_frame::copy_of(s);
}

// What a gather write of `max_bytes` would put on the wire, consumed as written.
std::string write_some(outbox& out, std::size_t max_bytes) {
    iovec iov[16];
    const auto n = out.gather(iov, 16);
    std::string wire;
    for (std::size_t i = 0; i < n && wire.size() < max_bytes; ++i) {
        const auto take = std::min(iov[i].iov_len, max_bytes - wire.size());
        wire.append(static_cast<const char*>(iov[i].iov_base), take);
    }
    out.consume(wire.size());
    return wire;
}

TEST(Outbox, GathersEveryQueuedFrameInOrder) {
    outbox out(1024);
    ASSERT_TRUE(out.push(frame_of("abc")));
    ASSERT_TRUE(out.push(frame_of("de")));
    ASSERT_TRUE(out.push(frame_of("f")));
    EXPECT_EQ(write_some(out, 100), "abcdef");
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(out.queued_bytes(), 0u);
}

TEST(Outbox, ResumesAfterAPartialWriteInsideAFrame) {
    outbox out(1024);
    out.push(frame_of("hello"));
    out.push(frame_of("world"));
    EXPECT_EQ(write_some(out, 3), "hel");
    EXPECT_TRUE(out.mid_frame());
    EXPECT_EQ(write_some(out, 4), "lowo");
    EXPECT_EQ(write_some(out, 100), "rld");
    EXPECT_TRUE(out.empty());
}

TEST(Outbox, RefusesACountedFrameOverTheBoundAndKeepsTheRest) {
    outbox out(10);
    EXPECT_TRUE(out.push(frame_of("123456")));
    EXPECT_FALSE(out.push(frame_of("12345")));  // 11 > 10
    EXPECT_EQ(out.queued_bytes(), 6u);
    EXPECT_EQ(write_some(out, 100), "123456");
}

TEST(Outbox, ReplayFramesDoNotCountAgainstTheBound) {
    outbox out(10);
    for (int i = 0; i < 100; ++i)
        EXPECT_TRUE(out.push(frame_of("0123456789"), false));
    EXPECT_EQ(out.queued_bytes(), 0u);
    EXPECT_TRUE(out.push(frame_of("live")));
    std::string all;
    while (!out.empty())
        all += write_some(out, 64);
    EXPECT_EQ(all.size(), 1004u);
    EXPECT_EQ(all.substr(1000), "live");
}

TEST(Outbox, DroppingUnstartedFramesKeepsAPartlyWrittenOne) {
    outbox out(1024);
    out.push(frame_of("abcdef"));
    out.push(frame_of("ghi"));
    out.push(frame_of("jkl"));
    EXPECT_EQ(write_some(out, 2), "ab");
    out.drop_unstarted();
    EXPECT_EQ(out.queued_bytes(), 6u);
    out.push(frame_of("CLOSE"), false);
    EXPECT_EQ(write_some(out, 100), "cdefCLOSE");
}

TEST(Outbox, ReleasesItsMemoryWhenEmpty) {
    outbox out(1 << 20);
    for (int i = 0; i < 1000; ++i)
        out.push(frame_of("x"));
    while (!out.empty())
        write_some(out, 7);
    out.release_memory();
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(out.push(frame_of("again")));
    EXPECT_EQ(write_some(out, 100), "again");
}

}  // namespace
}  // namespace kata::server

namespace kata::server {
namespace {

TEST(Outbox, BorrowedFramesArePinnedWhenTheyOutliveTheTurn) {
    std::string wire;
    {
        outbox out(1024);
        {
            const auto owner = frame_of("live-event");
            ASSERT_TRUE(out.push_borrowed(owner));
            EXPECT_EQ(write_some(out, 4), "live");
            out.pin_borrowed();  // the socket was full: the rest waits past the turn
        }                        // the turn's owning handle is gone
        wire = write_some(out, 100);
    }
    EXPECT_EQ(wire, "-event");
}

TEST(Outbox, BorrowedFramesCountAgainstTheBound) {
    outbox out(8);
    const auto owner = frame_of("123456");
    EXPECT_TRUE(out.push_borrowed(owner));
    EXPECT_FALSE(out.push_borrowed(owner));
    EXPECT_EQ(write_some(out, 100), "123456");
}

}  // namespace
}  // namespace kata::server
