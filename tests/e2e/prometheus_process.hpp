#pragma once
// A real Prometheus server for the scrape test: its own temp directory, a free loopback port,
// and a scrape config pointing at one target. Stopped (SIGTERM, then SIGKILL) and cleaned up by
// the destructor, so no process is left behind whatever the test does.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kata::e2e {

inline constexpr const char* prometheus_binary = "/usr/bin/prometheus";
inline constexpr const char* promtool_binary = "/usr/bin/promtool";

bool executable_exists(const char* path);

// A loopback port that was free a moment ago.
std::uint16_t free_loopback_port();

// The value of one series ("name" or "name{labels}") in exposition text.
std::optional<double> metric_value(const std::string& text, const std::string& series);

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> promtool_check_metrics(const std::string& text);

class prometheus_process {
  public:
    // Scrapes http://127.0.0.1:target_port/metrics every `interval`.
    prometheus_process(std::uint16_t target_port, std::chrono::milliseconds interval);
    ~prometheus_process();
    prometheus_process(const prometheus_process&) = delete;

    std::uint16_t port() const { return port_; }
    // GET /api/v1/query?query=`promql`: the first result's value, nullopt when there is none yet.
    std::optional<double> query(const std::string& promql);
    // Stops the server: true when it exited within the bound.
    bool stop();
    // Prometheus' own log, for failure messages.
    std::string log() const;

  private:
    std::string dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace kata::e2e
