#include "redis_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "prometheus_process.hpp"  // free_loopback_port

extern char** environ;

namespace kata::e2e {
namespace {

std::string reply_text(const redisReply* r) {
    switch (r->type) {
        case REDIS_REPLY_STRING:
        case REDIS_REPLY_STATUS:
        case REDIS_REPLY_ERROR:
            return std::string(r->str, r->len);
        case REDIS_REPLY_INTEGER:
            return std::to_string(r->integer);
        case REDIS_REPLY_ARRAY: {
            std::string out;
            for (std::size_t i = 0; i < r->elements; ++i)
                out += (i ? "\n" : "") + reply_text(r->element[i]);
            return out;
        }
        default:
            return {};
    }
}

}  // namespace

redis_process::redis_process() {
    // The port was free a moment ago; another process may take it first, so try a few.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_loopback_port();
        if (spawn_and_wait(std::chrono::seconds(5))) return;
    }
    throw std::runtime_error("redis-server did not start");
}

redis_process::~redis_process() {
    stop();
}

void redis_process::start() {
    if (pid_ > 0) return;
    if (!spawn_and_wait(std::chrono::seconds(5)))
        throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_));
}

void redis_process::start(std::vector<std::string> extra_args) {
    extra_args_ = std::move(extra_args);
    start();
}

void redis_process::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void redis_process::pause() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void redis_process::resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
}

bool redis_process::spawn_and_wait(std::chrono::milliseconds deadline) {
    std::vector<std::string> args = {redis_server_binary,
                                     "--port",
                                     std::to_string(port_),
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--bind",
                                     "127.0.0.1"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        pid_ = -1;
        return false;
    }
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {  // exited: the port was taken
            pid_ = -1;
            return false;
        }
        // With --requirepass, an unauthenticated PING is answered NOAUTH: it answers all the same.
        const auto pong = command({"PING"});
        if (pong && (*pong == "PONG" || pong->starts_with("NOAUTH"))) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop();
    return false;
}

std::optional<std::string> redis_process::command(const std::vector<std::string>& args) const {
    const timeval timeout{1, 0};
    std::unique_ptr<redisContext, void (*)(redisContext*)> c(
        redisConnectWithTimeout("127.0.0.1", port_, timeout), redisFree);
    if (!c || c->err) return std::nullopt;
    redisSetTimeout(c.get(), timeout);
    if (!client_password_.empty()) {
        auto* auth =
            static_cast<redisReply*>(redisCommand(c.get(), "AUTH %s", client_password_.c_str()));
        if (!auth) return std::nullopt;
        freeReplyObject(auth);
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(args.size()), argv.data(), lens.data()));
    if (!r) return std::nullopt;
    auto text = reply_text(r);
    freeReplyObject(r);
    return text;
}

std::optional<std::string> redis_process::info_field(const std::string& section,
                                                     const std::string& field) const {
    const auto info = command({"INFO", section});
    if (!info) return std::nullopt;
    std::istringstream in(*info);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
    }
    return std::nullopt;
}

std::uint64_t redis_process::command_calls(const std::string& command) const {
    const auto stat = info_field("commandstats", "cmdstat_" + command);
    if (!stat || stat->rfind("calls=", 0) != 0) return 0;
    return std::stoull(stat->substr(6));
}

}  // namespace kata::e2e
