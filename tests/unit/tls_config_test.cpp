// The `tls` key of the config file: strict like every other key, relative paths next to the
// file, and what a reload may change.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/config/config_diff.hpp"
#include "core/config/config_parser.hpp"

namespace kata::config {
namespace {

std::variant<server_config, config_error> parse_with(const std::string& tls_json) {
    return parse_server_config(R"({"tls":)" + tls_json + R"(,"directory":{}})");
}

std::string refused_key(const std::string& tls_json) {
    const auto parsed = parse_with(tls_json);
    const auto* err = std::get_if<config_error>(&parsed);
    return err ? err->key : "(accepted)";
}

TEST(TlsConfig, WithoutTheKeyTheListenerIsPlain) {
    const auto parsed = parse_server_config(R"({"directory":{}})");
    ASSERT_TRUE(std::holds_alternative<server_config>(parsed));
    EXPECT_FALSE(std::get<server_config>(parsed).tls);
}

TEST(TlsConfig, ReadsCertificateAndKeyFiles) {
    const auto parsed = parse_with(R"({"cert_file":"/etc/kata/cert.pem","key_file":"/k.pem"})");
    ASSERT_TRUE(std::holds_alternative<server_config>(parsed));
    const auto& tls = std::get<server_config>(parsed).tls;
    ASSERT_TRUE(tls);
    EXPECT_EQ(tls->cert_file, "/etc/kata/cert.pem");
    EXPECT_EQ(tls->key_file, "/k.pem");
}

TEST(TlsConfig, RefusesBadValuesNamingTheKey) {
    EXPECT_EQ(refused_key(R"("yes")"), "tls");
    EXPECT_EQ(refused_key(R"({"key_file":"k.pem"})"), "tls.cert_file");
    EXPECT_EQ(refused_key(R"({"cert_file":"c.pem"})"), "tls.key_file");
    EXPECT_EQ(refused_key(R"({"cert_file":"","key_file":"k.pem"})"), "tls.cert_file");
    EXPECT_EQ(refused_key(R"({"cert_file":"c.pem","key_file":7})"), "tls.key_file");
    EXPECT_EQ(refused_key(R"({"cert_file":"c.pem","key_file":"k.pem","ca":"x"})"), "tls.ca");
}

TEST(TlsConfig, RelativePathsAreNextToTheConfigFile) {
    char dir[] = "/tmp/kata-rt-tls-config-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string path = std::string(dir) + "/kata.json";
    std::ofstream(path)
        << R"({"tls":{"cert_file":"c.pem","key_file":"/abs/k.pem"},"directory":{}})";
    const auto loaded = load_server_config(path);
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(std::holds_alternative<server_config>(loaded));
    const auto& tls = *std::get<server_config>(loaded).tls;
    EXPECT_EQ(tls.cert_file, std::string(dir) + "/c.pem");
    EXPECT_EQ(tls.key_file, "/abs/k.pem");
}

TEST(TlsConfig, NewFilesApplyOnReloadButSwitchingTlsNeedsARestart) {
    server_config running;
    running.tls = tls_settings{"a.pem", "a.key"};
    server_config rotated = running;
    rotated.tls = tls_settings{"b.pem", "b.key"};
    EXPECT_TRUE(keys_needing_restart(running, rotated).empty());
    server_config plain = running;
    plain.tls.reset();
    EXPECT_EQ(keys_needing_restart(running, plain), (std::vector<std::string>{"tls"}));
}

}  // namespace
}  // namespace kata::config
