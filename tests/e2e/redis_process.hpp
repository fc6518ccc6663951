#pragma once
// A real redis-server for the broker tests: `--port N --save "" --appendonly no --bind 127.0.0.1`
// on a free loopback port, started and answering PING before the constructor returns, killed and
// reaped by the destructor so no process is left behind. stop() + start() restarts it on the
// same port with an empty dataset (nothing is persisted): Redis "coming back empty".
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kata::e2e {

inline constexpr const char* redis_server_binary = "/usr/bin/redis-server";

class redis_process {
  public:
    redis_process();  // a free port; throws std::runtime_error when it does not start
    ~redis_process();
    redis_process(const redis_process&) = delete;
    redis_process& operator=(const redis_process&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    bool running() const { return pid_ > 0; }

    // Starts again on the same port (after stop()); throws when it does not answer in time.
    // `extra_args` are added to the command line from now on (e.g. {"--requirepass", "pw"}: this
    // object's command() then gets NOAUTH answers).
    void start();
    void start(std::vector<std::string> extra_args);
    // SIGKILL and reap: the dataset is gone, clients see their connections reset at once.
    void stop();
    // SIGSTOP / SIGCONT: a Redis that hangs without closing its connections. The destructor's
    // SIGKILL ends a paused one too.
    void pause();
    void resume();

    // The password command() authenticates with first (none by default).
    void set_client_password(std::string password) { client_password_ = std::move(password); }
    // One command over a fresh synchronous connection: the reply as text (strings, status,
    // errors as "ERR ...", integers in decimal, arrays joined by '\n'); nullopt when unreachable.
    std::optional<std::string> command(const std::vector<std::string>& args) const;
    // A field of INFO (e.g. "cmdstat_evalsha" of section commandstats): "calls=1,usec=..."
    std::optional<std::string> info_field(const std::string& section,
                                          const std::string& field) const;
    // The `calls=` count of one command in INFO commandstats (0 when never called).
    std::uint64_t command_calls(const std::string& command) const;

  private:
    bool spawn_and_wait(std::chrono::milliseconds deadline);

    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    std::vector<std::string> extra_args_;
    std::string client_password_;
};

}  // namespace kata::e2e
