// `kata-rt loadtest` and `kata-rt publish` against a real gateway on 127.0.0.1: loss is counted
// exactly, a dying server shows up as loss and disconnects (not a hang), thresholds set the exit
// code, and publish reports server answers with its exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>

#include "core/auth/file_directory.hpp"
#include "core/config/dev_config.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/server.hpp"
#include "load/runner.hpp"
#include "run_binary.hpp"

namespace kata::load {
namespace {

using namespace std::chrono_literals;

struct running_server {
    std::unique_ptr<server::server> srv;
    std::string api_key;
};

running_server start_dev_server() {
    server::set_log_level(server::log_level::error);
    auto dev = config::make_dev_config();
    dev.config.listen_port = 0;
    dev.config.threads = 1;
    auto directory = std::make_shared<auth::file_directory>(dev.config.directory);
    auto srv = std::make_unique<server::server>(std::move(dev.config), std::move(directory));
    srv->start();
    return {std::move(srv), dev.api_key};
}

scenario small_scenario(const running_server& s) {
    scenario sc;
    sc.ws_url = endpoint_url{"ws", "127.0.0.1", s.srv->port(), "/v1/ws"};
    sc.publish_url = publish_url_for(sc.ws_url);
    sc.api_key = s.api_key;
    sc.connections = 50;
    sc.channels = 2;
    sc.rate = 200;
    sc.duration = 2s;
    sc.ramp = 200ms;
    sc.drain = 2s;
    return sc;
}

using e2e::command_result;
using e2e::run_binary;

TEST(Loadtest, ShortRunAgainstAHealthyServerLosesNothing) {
    auto s = start_dev_server();
    const auto outcome = run_loadtest(small_scenario(s));
    const auto& r = outcome.result;
    EXPECT_EQ(outcome.not_run_reason, "");
    EXPECT_EQ(r.connected, 50u);
    EXPECT_EQ(r.events_sent, 400u);
    EXPECT_EQ(r.events_failed, 0u);
    // 400 events round-robin over 2 channels, 25 subscribers each.
    EXPECT_EQ(r.deliveries.expected, 400u / 2 * 25 * 2);
    EXPECT_EQ(r.deliveries.delivered, r.deliveries.expected);
    EXPECT_EQ(r.deliveries.lost, 0u);
    EXPECT_EQ(r.deliveries.duplicated, 0u);
    EXPECT_EQ(r.deliveries.reordered, 0u);
    EXPECT_TRUE(r.disconnects.empty());
    EXPECT_EQ(r.latency.count(), r.deliveries.delivered);
    EXPECT_EQ(r.connect_latency.count(), 50u);
}

TEST(Loadtest, ChurnedSubscribersResumeAndLoseNothing) {
    auto s = start_dev_server();
    auto sc = small_scenario(s);
    sc.duration = 3s;
    sc.churn = 20;  // 60 cuts over 3 s, among 50 connections
    const auto began = std::chrono::steady_clock::now();
    const auto outcome = run_loadtest(sc);
    const auto& r = outcome.result;
    EXPECT_LT(std::chrono::steady_clock::now() - began, 15s);
    EXPECT_EQ(outcome.not_run_reason, "");
    EXPECT_GT(r.churned, 0u);
    EXPECT_LE(r.churned, 60u);
    EXPECT_EQ(r.churned + r.churn_skipped, 60u);
    EXPECT_EQ(r.resumed, r.churned);  // the drain waits for resumes still in flight
    EXPECT_EQ(r.unrecovered, 0u);
    EXPECT_EQ(r.reconnect_failed, 0u) << r.first_reconnect_error;
    EXPECT_EQ(r.reconnect_latency.count(), r.resumed);
    // Our own cuts are not disconnects, and every gap was filled by the replay.
    EXPECT_TRUE(r.disconnects.empty());
    EXPECT_EQ(r.events_sent, 600u);
    EXPECT_EQ(r.deliveries.expected, 600u / 2 * 25 * 2);
    EXPECT_EQ(r.deliveries.lost, 0u);
    EXPECT_EQ(r.deliveries.delivered, r.deliveries.expected);
    EXPECT_EQ(r.deliveries.reordered, 0u);
    EXPECT_EQ(r.deliveries.unexpected, 0u);
    EXPECT_EQ(r.latency.count(), r.deliveries.delivered);
    EXPECT_EQ(r.connect_latency.count(), 50u);  // reconnects are measured apart
}

TEST(Loadtest, ServerStoppingMidRunShowsAsLossAndDisconnectsNotAHang) {
    auto s = start_dev_server();
    auto sc = small_scenario(s);
    sc.duration = 6s;
    // Stop once the run is well under way (200 of its 1200 events accepted), however slow the
    // machine: the server's own counter says when, not a guess of how long the ramp takes.
    std::thread killer([&] {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (s.srv->stats().events_published < 200 &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(5ms);
        }
        s.srv->stop(500ms);
    });
    const auto began = std::chrono::steady_clock::now();
    const auto outcome = run_loadtest(sc);
    killer.join();
    const auto& r = outcome.result;
    EXPECT_LT(std::chrono::steady_clock::now() - began, 15s);
    EXPECT_GT(r.deliveries.lost, 0u);
    EXPECT_GT(r.deliveries.delivered, 0u);
    EXPECT_EQ(r.disconnects.count(1001), 1u);
    EXPECT_EQ(r.disconnects.at(1001), 50u);
    EXPECT_GT(r.events_failed, 0u);
}

TEST(Loadtest, TwoSubscriberThreadsLoseNothingAndMergeTheirAccounting) {
    auto s = start_dev_server();
    auto sc = small_scenario(s);
    sc.threads = 2;
    sc.churn = 10;  // cuts land on both threads; each resumes on its own
    const auto outcome = run_loadtest(sc);
    const auto& r = outcome.result;
    EXPECT_EQ(outcome.not_run_reason, "");
    EXPECT_EQ(r.load_threads, 2u);
    EXPECT_EQ(r.connected, 50u);
    EXPECT_EQ(r.connect_latency.count(), 50u);
    EXPECT_EQ(r.events_sent, 400u);
    EXPECT_EQ(r.deliveries.expected, 400u / 2 * 25 * 2);
    EXPECT_EQ(r.deliveries.delivered, r.deliveries.expected);
    EXPECT_EQ(r.deliveries.lost, 0u);
    EXPECT_EQ(r.deliveries.reordered, 0u);
    EXPECT_EQ(r.deliveries.unexpected, 0u);
    EXPECT_EQ(r.latency.count(), r.deliveries.delivered);
    EXPECT_EQ(r.churned + r.churn_skipped, 20u);
    EXPECT_EQ(r.resumed, r.churned);
    EXPECT_EQ(r.reconnect_failed, 0u) << r.first_reconnect_error;
    EXPECT_TRUE(r.disconnects.empty());
    // The load client's CPU comes from its own threads' clocks; with no --server-pid the
    // server's is not claimed.
    EXPECT_GT(r.load_cpu.total_s(), 0.0);
    EXPECT_GE(r.process_cpu.total_s() + 0.05, r.load_cpu.total_s());
    EXPECT_FALSE(r.server_cpu);
}

TEST(Loadtest, NoServerMeansTheRunCouldNotHappen) {
    auto s = start_dev_server();
    auto sc = small_scenario(s);
    s.srv.reset();  // destroyed, not just stopped: nothing listens on the port any more
    sc.connections = 3;
    sc.channels = 1;
    sc.ramp = 0ms;
    const auto outcome = run_loadtest(sc);
    EXPECT_NE(outcome.not_run_reason.find("no connection subscribed"), std::string::npos);
    EXPECT_EQ(outcome.result.connect_failed, 3u);
}

TEST(LoadtestCommand, AnImpossibleThresholdExitsOneAndIsNamed) {
    const auto result = run_binary(
        "loadtest --embedded --connections 20 --channels 2 --rate 50 --duration 1s --ramp 100ms "
        "--threshold 'p99<1us' --threshold loss==0");
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("threshold breached: p99<1us"), std::string::npos)
        << result.output;
    EXPECT_EQ(result.output.find("loss==0 ("), std::string::npos) << result.output;
}

TEST(LoadtestCommand, ChurnIsReportedAndGated) {
    const std::string json_path = testing::TempDir() + "loadtest_churn.json";
    const auto result = run_binary(
        "loadtest --embedded --connections 40 --channels 2 --rate 100 --duration 3s --ramp 100ms "
        "--churn 20 --threshold loss==0 --threshold unrecovered==0 --threshold 'churned>0' "
        "--json " +
        json_path);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("churn 20.0/s"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("  churn: cut "), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("recovered:false 0"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("ok        unrecovered==0"), std::string::npos) << result.output;
    std::ifstream json_file(json_path);
    const std::string json((std::istreambuf_iterator<char>(json_file)),
                           std::istreambuf_iterator<char>());
    EXPECT_NE(json.find("\"churn\": {"), std::string::npos) << json;
    EXPECT_NE(json.find("\"unrecovered\": 0"), std::string::npos) << json;
    std::remove(json_path.c_str());
}

TEST(LoadtestCommand, TwoThreadsAgainstTheEmbeddedServerLoseNothingAndReportCpu) {
    const std::string json_path = testing::TempDir() + "loadtest_threads.json";
    const auto result = run_binary(
        "loadtest --embedded --threads 2 --connections 40 --channels 2 --rate 100 --duration 2s "
        "--ramp 100ms --threshold loss==0 --threshold duplicated==0 --json " +
        json_path);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("expected 4000  delivered 4000  lost 0"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("2 subscriber threads + 1 control"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("[embedded: this process minus the load client's threads]"),
              std::string::npos)
        << result.output;
    std::ifstream json_file(json_path);
    const std::string json((std::istreambuf_iterator<char>(json_file)),
                           std::istreambuf_iterator<char>());
    EXPECT_NE(json.find("\"cpu\": {"), std::string::npos) << json;
    EXPECT_NE(json.find("\"threads\": 2"), std::string::npos) << json;
    EXPECT_NE(json.find("\"us_per_delivery\""), std::string::npos) << json;
    std::remove(json_path.c_str());
}

TEST(LoadtestCommand, AServerPidGetsItsCpuReportedNextToTheLoadClients) {
    // The server runs in this test process, so its pid is ours: the loadtest process reads our
    // /proc/PID/stat, as it would a separate `kata-rt serve`.
    auto s = start_dev_server();
    const std::string json_path = testing::TempDir() + "loadtest_server_pid.json";
    const auto result = run_binary(
        "loadtest --url ws://127.0.0.1:" + std::to_string(s.srv->port()) + "/v1/ws --api-key " +
        s.api_key + " --connections 20 --rate 100 --duration 1s --ramp 100ms --server-pid " +
        std::to_string(getpid()) + " --json " + json_path);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("  load client  "), std::string::npos) << result.output;
    EXPECT_NE(
        result.output.find("us/delivery  [pid " + std::to_string(getpid()) + ", /proc/PID/stat]"),
        std::string::npos)
        << result.output;
    std::ifstream json_file(json_path);
    const std::string json((std::istreambuf_iterator<char>(json_file)),
                           std::istreambuf_iterator<char>());
    EXPECT_EQ(json.find("\"server\": null"), std::string::npos) << json;
    std::remove(json_path.c_str());
}

TEST(LoadtestCommand, ZeroThreadsIsAUsageError) {
    const auto result = run_binary("loadtest --embedded --threads 0");
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find("--threads"), std::string::npos) << result.output;
}

TEST(LoadtestCommand, AMalformedThresholdIsAUsageError) {
    const auto result = run_binary("loadtest --embedded --threshold 'p99<25'");
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find("unit"), std::string::npos) << result.output;
}

TEST(PublishCommand, PrintsTheEventIdAndExitsZero) {
    auto s = start_dev_server();
    const auto result = run_binary(
        "publish --url http://127.0.0.1:" + std::to_string(s.srv->port()) + " --api-key " +
        s.api_key + " --channel spec:s1 --type log_entry --payload '{\"line\":\"hi\"}'");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output.rfind("evt_", 0), 0u) << result.output;
}

TEST(PublishCommand, AnUnknownKeyExitsOneWithTheServersMessage) {
    auto s = start_dev_server();
    const auto result =
        run_binary("publish --url http://127.0.0.1:" + std::to_string(s.srv->port()) +
                   " --api-key wrong --channel spec:s1 --type log_entry");
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("401"), std::string::npos) << result.output;
}

TEST(PublishCommand, AnUnreachableServerExitsOne) {
    auto s = start_dev_server();
    const auto port = s.srv->port();
    s.srv.reset();
    const auto result = run_binary("publish --url http://127.0.0.1:" + std::to_string(port) +
                                   " --api-key k --channel spec:s1 --type log_entry");
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("cannot reach"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace kata::load
