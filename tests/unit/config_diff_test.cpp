#include "core/config/config_diff.hpp"

#include <gtest/gtest.h>

namespace kata::config {
namespace {

TEST(ConfigDiff, NamesEveryChangedKeyOutsideTheDirectory) {
    server_config running;
    server_config reloaded = running;
    reloaded.listen_port = 9999;
    reloaded.limits.max_queued_bytes = 1;
    reloaded.history.ttl = std::chrono::milliseconds(5);
    EXPECT_EQ(keys_needing_restart(running, reloaded),
              (std::vector<std::string>{"listen", "limits.max_queued_bytes", "history.ttl_ms"}));
}

TEST(ConfigDiff, ADirectoryOnlyChangeNeedsNoRestart) {
    server_config running;
    server_config reloaded = running;
    reloaded.directory.specs["s9"] = "t9";
    EXPECT_TRUE(keys_needing_restart(running, reloaded).empty());
}

}  // namespace
}  // namespace kata::config
