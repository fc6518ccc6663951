#include "core/server/ops/open_file_limit.hpp"

#include <gtest/gtest.h>

namespace kata::server {
namespace {

TEST(OpenFileLimit, MaxConnectionsKeptWhenItFits) {
    EXPECT_EQ(connections_that_fit(1048576, 100000), 100000u);
    EXPECT_EQ(connections_that_fit(1024, 900), 900u);
}

TEST(OpenFileLimit, LoweredToWhatFitsWithHeadroom) {
    // Issue #14: `ulimit -n 128` with max_connections 1000 let connections hang past ~120.
    EXPECT_EQ(open_file_headroom(128), 32u);
    EXPECT_EQ(connections_that_fit(128, 1000), 96u);
    EXPECT_EQ(open_file_headroom(1 << 20), 64u);
    EXPECT_EQ(connections_that_fit(1024, 100000), 960u);
    EXPECT_EQ(open_file_headroom(20), 16u);
    EXPECT_EQ(connections_that_fit(20, 1000), 4u);
    EXPECT_EQ(connections_that_fit(8, 1000), 1u);  // never 0: the server must still serve
}

TEST(OpenFileLimit, SoftLimitRaisedToHard) {
    const auto limits = raise_open_file_limit();
    EXPECT_GT(limits.soft, 0u);
    EXPECT_EQ(limits.soft, limits.hard);
}

}  // namespace
}  // namespace kata::server
