#pragma once
// `kata-rt serve` as a child process, for what only a real process shows: signals, exit codes,
// dev mode, start-up errors. Its stderr is read through a pipe; every wait has a deadline.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kata::e2e {

class serve_process {
  public:
    // Runs `kata-rt serve ARGS...` with `env` added to this process's environment. `launcher`,
    // when given, runs it (an absolute path and its arguments first, e.g. prlimit). With
    // `capture_stdout`, stdout is read into output() too (commands that answer on stdout).
    explicit serve_process(std::vector<std::string> args,
                           std::map<std::string, std::string> env = {},
                           std::vector<std::string> launcher = {}, bool capture_stdout = false);
    ~serve_process();  // SIGKILL if still running

    // Reads stderr until it contains `text`; false on exit or deadline.
    bool wait_for_output(const std::string& text,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Waits until "listening on ws://HOST:PORT" and returns PORT.
    std::optional<std::uint16_t> wait_listening(
        std::chrono::milliseconds timeout = std::chrono::seconds(30));
    const std::string& output() const { return output_; }
    pid_t pid() const { return pid_; }

    void signal(int sig);
    void kill_hard();
    // The exit status once the process exits within `timeout`, nullopt otherwise.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  private:
    bool read_some(std::chrono::steady_clock::time_point deadline);
    pid_t pid_ = -1;
    int stderr_ = -1;
    std::string output_;
    bool eof_ = false;
};

}  // namespace kata::e2e
