#include "core/protocol/shared_frame.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <utility>
#include <vector>

namespace kata::protocol {
namespace {

TEST(SharedFrame, DefaultIsEmpty) {
    shared_frame f;
    EXPECT_FALSE(f);
    EXPECT_EQ(f.size(), 0u);
    EXPECT_EQ(f.data(), nullptr);
    EXPECT_TRUE(f.bytes().empty());
}

TEST(SharedFrame, AllocateGivesWritableBytesOfTheSize) {
    char* data = nullptr;
    auto f = shared_frame::allocate(5, data);
    ASSERT_NE(data, nullptr);
    std::memcpy(data, "hello", 5);
    EXPECT_TRUE(f);
    EXPECT_EQ(f.bytes(), "hello");
    EXPECT_EQ(f.data(), data);
}

TEST(SharedFrame, CopiesShareTheBytesAndOutliveTheOriginal) {
    std::vector<shared_frame> holders;
    {
        auto f = shared_frame::copy_of("event bytes");
        for (int i = 0; i < 100; ++i)
            holders.push_back(f);
        EXPECT_EQ(holders.front(), f);
        EXPECT_EQ(holders.back().data(), f.data());
    }
    // The original is gone; every copy still reads the bytes (ASan would flag a freed block).
    for (const auto& h : holders)
        EXPECT_EQ(h.bytes(), "event bytes");
}

TEST(SharedFrame, MoveLeavesTheSourceEmpty) {
    auto a = shared_frame::copy_of("x");
    const char* p = a.data();
    shared_frame b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from state is specified
    EXPECT_EQ(b.data(), p);
    shared_frame c;
    c = std::move(b);
    EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(c.bytes(), "x");
}

TEST(SharedFrame, AssignmentReleasesThePreviousFrame) {
    auto a = shared_frame::copy_of("first");
    auto b = shared_frame::copy_of("second");
    a = b;
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.bytes(), "second");
    const auto& same = a;
    a = same;  // self-assignment keeps the frame alive
    EXPECT_EQ(a.bytes(), "second");
    b = shared_frame();
    EXPECT_EQ(a.bytes(), "second");
}

TEST(SharedFrame, DistinctFramesWithEqualBytesAreNotEqual) {
    EXPECT_FALSE(shared_frame::copy_of("same") == shared_frame::copy_of("same"));
}

TEST(SharedFrame, EmptyCopyIsAFrameOfZeroBytes) {
    auto f = shared_frame::copy_of("");
    EXPECT_TRUE(f);
    EXPECT_EQ(f.size(), 0u);
}

}  // namespace
}  // namespace kata::protocol
