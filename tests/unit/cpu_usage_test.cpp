// The CPU figures of a load run: /proc/PID/stat parsing (for --server-pid) and the clocks of
// this process and thread.
#include "load/cpu_usage.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace kata::load {
namespace {

TEST(CpuUsage, ParsesUtimeAndStimeOfAStatLine) {
    // Fields 14 (utime) and 15 (stime) are 250 and 50 ticks.
    const std::string line =
        "4242 (kata-rt) S 1 4242 4242 0 -1 4194560 2000 0 0 0 250 50 0 0 20 0 3 0 100 "
        "12345678 1000 18446744073709551615";
    const auto t = parse_proc_stat(line, 100);
    ASSERT_TRUE(t);
    EXPECT_DOUBLE_EQ(t->user_s, 2.5);
    EXPECT_DOUBLE_EQ(t->sys_s, 0.5);
    EXPECT_DOUBLE_EQ(t->total_s(), 3.0);
}

TEST(CpuUsage, ACommandNameWithSpacesAndParenthesesDoesNotShiftTheFields) {
    const std::string line =
        "7 (a) b (c) d) R 1 7 7 0 -1 0 0 0 0 0 1000 2000 0 0 20 0 1 0 5 100 10 0";
    const auto t = parse_proc_stat(line, 1000);
    ASSERT_TRUE(t);
    EXPECT_DOUBLE_EQ(t->user_s, 1.0);
    EXPECT_DOUBLE_EQ(t->sys_s, 2.0);
}

TEST(CpuUsage, ATruncatedOrGarbledLineIsNotRead) {
    EXPECT_FALSE(parse_proc_stat("", 100));
    EXPECT_FALSE(parse_proc_stat("4242 (kata-rt) S 1 4242", 100));
    EXPECT_FALSE(parse_proc_stat("4242 (kata-rt) S 1 2 3 4 5 6 7 8 9 10 x 50 0", 100));
    EXPECT_FALSE(parse_proc_stat("4242 kata-rt S 1 2 3 4 5 6 7 8 9 10 11 12", 100));
    EXPECT_FALSE(parse_proc_stat("4242 (k) S 1 2 3 4 5 6 7 8 9 10 11 12 13", 0));
}

TEST(CpuUsage, ThisProcessIsReadable) {
    // Burn a little CPU so the clocks have something to show, whatever their granularity.
    volatile std::uint64_t sink = 0;
    const auto before = thread_cpu();
    while ((thread_cpu() - before).total_s() < 0.02)
        for (int k = 0; k < 100000; ++k)
            sink = sink + static_cast<std::uint64_t>(k);
    // This thread's clock first: the process's, read after it, can only be ahead.
    const auto mine = thread_cpu();
    const auto self = process_cpu();
    EXPECT_GE(self.total_s(), mine.total_s());
    const auto proc = process_cpu_of(getpid());
    ASSERT_TRUE(proc);
    EXPECT_GT(proc->total_s(), 0.0);
    EXPECT_FALSE(process_cpu_of(-1));
}

}  // namespace
}  // namespace kata::load
