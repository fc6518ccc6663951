#include "serve_process.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace kata::e2e {

serve_process::serve_process(std::vector<std::string> args, std::map<std::string, std::string> env,
                             std::vector<std::string> launcher, bool capture_stdout) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    args.insert(args.begin(), {KATA_RT_BINARY, "serve"});
    args.insert(args.begin(), launcher.begin(), launcher.end());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        if (!env.contains(entry.substr(0, entry.find('=')))) env_strings.push_back(entry);
    }
    for (const auto& [k, v] : env)
        env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_strings)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    if (capture_stdout) posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    stderr_ = fds[0];
    if (rc != 0) throw std::runtime_error(std::string("cannot spawn ") + KATA_RT_BINARY);
}

serve_process::~serve_process() {
    kill_hard();
    if (stderr_ >= 0) close(stderr_);
}

bool serve_process::read_some(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{stderr_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[1024];
    const auto n = read(stderr_, buf, sizeof buf);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    output_.append(buf, static_cast<std::size_t>(n));
    return true;
}

bool serve_process::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (output_.find(text) == std::string::npos) {
        if (!read_some(deadline)) return false;
    }
    return true;
}

std::optional<std::uint16_t> serve_process::wait_listening(std::chrono::milliseconds timeout) {
    const std::string marker = "listening on ws://127.0.0.1:";
    if (!wait_for_output("/v1/ws", timeout)) return std::nullopt;
    const auto pos = output_.find(marker);
    if (pos == std::string::npos) return std::nullopt;
    return static_cast<std::uint16_t>(std::stoi(output_.substr(pos + marker.size())));
}

void serve_process::signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
}

void serve_process::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::optional<int> serve_process::wait_exit(std::chrono::milliseconds timeout) {
    // The child closes its stderr when it exits: wait for EOF on the pipe, then reap it.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some(deadline)) {
    }
    // Only after EOF: a process that closed its stderr is exiting, so waitpid returns promptly.
    int status = 0;
    if (pid_ <= 0 || !eof_ || waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace kata::e2e
