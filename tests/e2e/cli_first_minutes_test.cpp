// The CLIs as a new user meets them: `subscribe` with no server or a forbidden channel, `connected`
// only once the server accepted the key, `loadtest --json -` and `--channel`, `publish --help`,
// and the version and User-Agent the binary reports.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/config/version.hpp"
#include "run_binary.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

using namespace std::chrono_literals;

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// stdout and stderr apart, for commands whose stdout is meant for a pipe.
struct split_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

split_result run_split(const std::string& args, const std::string& cwd) {
    const auto err_path = cwd + "/stderr.txt";
    const std::string cmd =
        "cd '" + cwd + "' && " + std::string(KATA_RT_BINARY) + " " + args + " 2>'" + err_path + "'";
    split_result r;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) return r;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
        r.out.append(buf.data(), n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(err_path);
    r.err.assign(std::istreambuf_iterator<char>(in), {});
    return r;
}

std::string temp_dir() {
    char path[] = "/tmp/kata-rt-cli-XXXXXX";
    return mkdtemp(path);
}

// A loopback port that nothing listens on (bound, then released).
std::uint16_t closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string ws_url(std::uint16_t port) {
    return "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws";
}

TEST(SubscribeCommand, NoServerListeningExitsOne) {
    const auto r = run_binary("subscribe --url " + ws_url(closed_port()) +
                              " --api-key some-key --timeout 2 team:dev");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("never connected"), std::string::npos) << r.output;
}

TEST(SubscribeCommand, AForbiddenChannelIsReportedOnceAndExitsOne) {
    running_server server;
    const auto r = run_binary("subscribe --url " + ws_url(server.port()) + " --api-key " + key_t1 +
                              " --timeout 2 team:other");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(count(r.output, "forbidden"), 1u) << r.output;
}

TEST(SubscribeCommand, ConnectedIsPrintedOnlyForAnAcceptedKey) {
    running_server server;
    const auto bad = run_binary("subscribe --url " + ws_url(server.port()) +
                                " --api-key not-a-key --timeout 5 team:t1");
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_NE(bad.output.find("4401"), std::string::npos) << bad.output;
    EXPECT_EQ(bad.output.find("subscribe: connected"), std::string::npos) << bad.output;

    const auto good = run_binary("subscribe --url " + ws_url(server.port()) + " --api-key " +
                                 key_t1 + " --timeout 1 team:t1");
    EXPECT_EQ(good.exit_code, 0) << good.output;
    const auto connected = good.output.find("subscribe: connected");
    ASSERT_NE(connected, std::string::npos) << good.output;
    EXPECT_LT(connected, good.output.find("subscribed team:t1")) << good.output;
}

TEST(LoadtestCommand, JsonDashWritesOnlyTheJsonToStdout) {
    const auto dir = temp_dir();
    const auto r = run_split(
        "loadtest --embedded --connections 4 --rate 20 --duration 500ms --ramp 100ms --json -",
        dir);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << "stdout is not one JSON document: " << r.out;
    // The report's schema: these keys keep their names.
    for (const char* key : {"scenario", "connections", "churn"})
        EXPECT_TRUE(doc.contains(key)) << key;
    EXPECT_EQ(doc["scenario"]["connections"], 4);
    EXPECT_EQ(doc["connections"]["subscribed"], 4);
    EXPECT_NE(r.err.find("kata-rt loadtest"), std::string::npos) << "human report on stderr";
    EXPECT_FALSE(std::filesystem::exists(dir + "/-")) << "no file named '-'";
    std::filesystem::remove_all(dir);
}

TEST(LoadtestCommand, ExplicitChannelNamesAndOneChannelInTheSingular) {
    const auto dir = temp_dir();
    const auto r = run_split(
        "loadtest --embedded --connections 4 --channel team:dev --rate 20 --duration 500ms "
        "--ramp 100ms --threshold loss==0 --json -",
        dir);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << r.out;
    EXPECT_EQ(doc["scenario"]["channels"], 1);
    EXPECT_EQ(doc["connections"]["subscribed"], 4);
    EXPECT_NE(r.err.find("4 connections over 1 channel,"), std::string::npos) << r.err;
    std::filesystem::remove_all(dir);
}

TEST(LoadtestCommand, TheFirstFailureNamesTheServersErrorCodeAndMessage) {
    // The embedded dev key's team is `dev`: team:other is forbidden.
    const auto r = run_binary(
        "loadtest --embedded --connections 2 --channel team:other --rate 0 --duration 100ms "
        "--ramp 0ms");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("subscribe refused: forbidden: "), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("\"payload\""), std::string::npos) << "no raw envelope: " << r.output;
}

TEST(LoadtestCommand, ChannelNamesAreChecked) {
    EXPECT_EQ(run_binary("loadtest --embedded --channel nope").exit_code, 2);
    EXPECT_EQ(run_binary("loadtest --embedded --connections 1 --channel team:a --channel team:b")
                  .exit_code,
              2);
}

TEST(PublishCommand, HelpStatesTheExitCodes) {
    const auto r = run_binary("publish --help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("Exit 0"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("1: the server refused"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("2: bad usage"), std::string::npos) << r.output;
}

TEST(Version, VersionFlagIsTheProjectVersion) {
    const auto r = run_binary("--version");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.output, "kata-rt " + std::string(config::version()) + "\n");
    EXPECT_FALSE(config::version().empty());
}

TEST(Version, TheClientSendsItInItsUserAgent) {
    // A listener that only reads the upgrade request `kata-rt subscribe` sends.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 4), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const auto port = ntohs(addr.sin_port);
    auto sub = std::async(std::launch::async, [port] {
        return run_binary("subscribe --url " + ws_url(port) + " --api-key k --timeout 3 team:t1");
    });
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 10000), 1) << "the client never connected";
    const int conn = ::accept(fd, nullptr, nullptr);
    std::string request;
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd q{conn, POLLIN, 0};
        if (::poll(&q, 1, 10000) != 1) break;
        const auto n = ::read(conn, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
    }
    ::close(conn);
    ::close(fd);
    EXPECT_NE(request.find("User-Agent: kata-rt-client/" + std::string(config::version()) + "\r\n"),
              std::string::npos)
        << request;
    EXPECT_EQ(sub.get().exit_code, 1) << "never connected";
}

}  // namespace
}  // namespace kata::e2e
