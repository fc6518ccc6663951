// The operations keys of the config file: admin_listen and log_format.
#include <gtest/gtest.h>

#include "core/config/config_parser.hpp"

namespace kata::config {
namespace {

server_config parse_ok(const std::string& text) {
    auto r = parse_server_config(text);
    if (auto* err = std::get_if<config_error>(&r)) ADD_FAILURE() << err->message;
    return std::get<server_config>(std::move(r));
}

std::string error_key(const std::string& text) {
    auto r = parse_server_config(text);
    const auto* err = std::get_if<config_error>(&r);
    return err ? err->key : "(accepted)";
}

TEST(OpsConfig, DefaultsAreNoAdminListenerAndTextLogs) {
    const auto cfg = parse_ok(R"({"directory":{}})");
    EXPECT_FALSE(cfg.admin_listen);
    EXPECT_EQ(cfg.log_format, "text");
}

TEST(OpsConfig, ReadsAdminListenAndLogFormat) {
    const auto cfg =
        parse_ok(R"({"admin_listen":"127.0.0.1:9090","log_format":"json","directory":{}})");
    ASSERT_TRUE(cfg.admin_listen);
    EXPECT_EQ(cfg.admin_listen->first, "127.0.0.1");
    EXPECT_EQ(cfg.admin_listen->second, 9090);
    EXPECT_EQ(cfg.log_format, "json");
}

TEST(OpsConfig, RefusesBadValuesNamingTheKey) {
    EXPECT_EQ(error_key(R"({"admin_listen":"9090","directory":{}})"), "admin_listen");
    EXPECT_EQ(error_key(R"({"admin_listen":9090,"directory":{}})"), "admin_listen");
    EXPECT_EQ(error_key(R"({"log_format":"xml","directory":{}})"), "log_format");
    EXPECT_EQ(error_key(R"({"log_format":true,"directory":{}})"), "log_format");
}

}  // namespace
}  // namespace kata::config
