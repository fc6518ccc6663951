// `kata-rt serve --check-config` and `serve --help`, as a process.
#include <fstream>

#include <boost/asio/ip/tcp.hpp>

#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

std::string temp_config(const std::string& content) {
    char path[] = "/tmp/kata-rt-check-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

TEST(ServeCheckConfig, AGoodFileSaysConfigOkAndBindsNothing) {
    // The configured port is taken: a server that tried to listen would fail with exit 1.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor held(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const auto port = std::to_string(held.local_endpoint().port());
    const auto path =
        temp_config(R"({"listen":"127.0.0.1:)" + port + R"(","admin_listen":"127.0.0.1:)" + port +
                    R"(","log_format":"json","directory":{}})");
    serve_process check({"--check-config", "--config", path}, {}, {}, /*capture_stdout=*/true);
    EXPECT_EQ(check.wait_exit(10s), 0) << check.output();
    EXPECT_NE(check.output().find("config ok"), std::string::npos) << check.output();
}

TEST(ServeCheckConfig, ABadFileExitsTwoNamingTheKey) {
    const auto path = temp_config(R"({"log_format":"xml","directory":{}})");
    serve_process check({"--check-config", "--config", path}, {}, {}, true);
    EXPECT_EQ(check.wait_exit(10s), 2);
    EXPECT_NE(check.output().find("log_format"), std::string::npos) << check.output();
    EXPECT_EQ(check.output().find("config ok"), std::string::npos);

    const auto nested = temp_config(R"({"heartbeat":{"interval_ms":0},"directory":{}})");
    serve_process check_nested({"--check-config", "--config", nested}, {}, {}, true);
    EXPECT_EQ(check_nested.wait_exit(10s), 2);
    EXPECT_NE(check_nested.output().find("heartbeat.interval_ms"), std::string::npos)
        << check_nested.output();
}

TEST(ServeCheckConfig, NeedsAConfigFile) {
    serve_process check({"--check-config"}, {}, {}, true);
    EXPECT_EQ(check.wait_exit(10s), 2);
    EXPECT_NE(check.output().find("--config"), std::string::npos) << check.output();
}

TEST(ServeCheckConfig, HelpExplainsEveryFlag) {
    serve_process help({"--help"}, {}, {}, true);
    EXPECT_EQ(help.wait_exit(10s), 0);
    for (const char* flag :
         {"--config", "--listen", "--log-level", "--log-format", "--check-config"}) {
        EXPECT_NE(help.output().find(flag), std::string::npos) << flag << "\n" << help.output();
    }
}

}  // namespace
}  // namespace kata::e2e
