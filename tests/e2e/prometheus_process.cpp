#include "prometheus_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "server_support.hpp"

extern char** environ;

namespace kata::e2e {

bool executable_exists(const char* path) {
    return access(path, X_OK) == 0;
}

std::uint16_t free_loopback_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0},
                                     /*reuse_address=*/true);
    return a.local_endpoint().port();
}

std::optional<double> metric_value(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
            line[series.size()] == ' ') {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return std::nullopt;
}

std::pair<int, std::string> promtool_check_metrics(const std::string& text) {
    char path[] = "/tmp/kata-rt-metrics-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << text;
    const std::string cmd = std::string(promtool_binary) + " check metrics < " + path + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    std::string output;
    char buf[512];
    while (pipe && fgets(buf, sizeof buf, pipe))
        output += buf;
    const int status = pipe ? pclose(pipe) : -1;
    std::remove(path);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

prometheus_process::prometheus_process(std::uint16_t target_port,
                                       std::chrono::milliseconds interval) {
    char tmpl[] = "/tmp/kata-rt-prometheus-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const auto every = std::to_string(interval.count()) + "ms";
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  scrape_interval: " << every << "\n  evaluation_interval: " << every
        << "\nscrape_configs:\n  - job_name: kata-rt\n    scrape_timeout: " << every
        << "\n    static_configs:\n      - targets: ['127.0.0.1:" << target_port << "']\n";
    port_ = free_loopback_port();
    std::vector<std::string> args = {prometheus_binary, "--config.file=" + dir_ + "/prometheus.yml",
                                     "--storage.tsdb.path=" + dir_ + "/data",
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_)};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const auto log_path = dir_ + "/prometheus.log";
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot spawn prometheus");
    }
}

prometheus_process::~prometheus_process() {
    if (!stop() && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

bool prometheus_process::stop() {
    if (pid_ <= 0) return true;
    ::kill(pid_, SIGTERM);
    // Poll for the exit with a bound: Prometheus flushes its TSDB head before it exits.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

std::optional<double> prometheus_process::query(const std::string& promql) {
    std::string encoded;
    for (unsigned char c : promql) {
        if (std::isalnum(c) || c == '_') {
            encoded += static_cast<char>(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            encoded += hex;
        }
    }
    const auto res = http_request(port_, "GET", "/api/v1/query?query=" + encoded);
    if (res.status != 200 || !res.body.is_object()) return std::nullopt;
    const auto& result = res.body["data"]["result"];
    if (!result.is_array() || result.empty()) return std::nullopt;
    // An instant vector sample: [unix_time, "value"].
    return std::stod(result[0]["value"][1].get<std::string>());
}

std::string prometheus_process::log() const {
    std::ifstream in(dir_ + "/prometheus.log");
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace kata::e2e
