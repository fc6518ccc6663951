// The reconnecting client survives `kill -9` of the server binary and a restart on the same port.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tests/e2e/client_support.hpp"

extern char** environ;

namespace kata::client::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// `kata-rt serve --config FILE` as a child process, started and waited for via its stderr.
class server_process {
  public:
    explicit server_process(const std::string& config_path) {
        int fds[2];
        if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        std::string binary = KATA_RT_BINARY;
        std::string serve = "serve", config_flag = "--config", path = config_path;
        char* argv[] = {binary.data(), serve.data(), config_flag.data(), path.data(), nullptr};
        const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        stderr_ = fds[0];
        if (rc != 0) throw std::runtime_error("cannot spawn " + binary);
    }
    ~server_process() {
        kill_hard();
        if (stderr_ >= 0) close(stderr_);
    }

    // Reads the child's stderr until it says it is listening; false on exit or deadline.
    bool wait_listening(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string seen;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms) return false;
            pollfd pfd{stderr_, POLLIN, 0};
            if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
            char buf[512];
            const auto n = read(stderr_, buf, sizeof buf);
            if (n <= 0) return false;
            seen.append(buf, static_cast<std::size_t>(n));
            if (seen.find("listening on") != std::string::npos) return true;
        }
    }

    void kill_hard() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

  private:
    pid_t pid_ = -1;
    int stderr_ = -1;
};

std::string write_config(std::uint16_t port) {
    char dir[] = "/tmp/kata-rt-client-e2e-XXXXXX";
    if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
    const std::string path = std::string{dir} + "/config.json";
    std::ofstream out(path);
    out << R"({"listen":"127.0.0.1:)" << port << R"(","threads":1,"directory":{"api_keys":[)"
        << R"({"id":"e2e","sha256":")" << auth::sha256_hex(test_key)
        << R"(","team":"t1","scopes":["subscribe","publish"]}],"agents":{"a1":"t1"}}})";
    return path;
}

// POST /v1/publish, as a backend would; returns the HTTP status.
unsigned publish(std::uint16_t port, const std::string& body) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req{http::verb::post, "/v1/publish", 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::authorization, "Bearer " + test_key);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res.result_int();
}

TEST(ClientReconnect, ResubscribesAndDeliversAfterTheServerIsKilledAndRestarted) {
    const auto port = free_port();
    const auto config = write_config(port);
    auto server = std::make_unique<server_process>(config);
    ASSERT_TRUE(server->wait_listening());

    client_thread thread;
    recorder rec;
    auto opts = options_for(port);
    opts.min_delay = 50ms;  // keep the outage short; the policy itself is unit-tested
    opts.max_delay = 200ms;
    reconnecting_client client(thread.io, opts, rec.callbacks());
    client.subscribe(channel("agent:a1"), rec.handler());
    client.start();
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() == 1; }));
    ASSERT_EQ(publish(port, R"({"channel":"agent:a1","type":"log_entry","payload":{"n":1}})"),
              200u);
    ASSERT_TRUE(rec.wait_for([&] { return rec.events.size() == 1; }));

    server->kill_hard();  // kill -9: no close frame, the client sees the TCP connection drop
    ASSERT_TRUE(rec.wait_for([&] { return !rec.reconnects.empty(); }));
    server = std::make_unique<server_process>(config);
    ASSERT_TRUE(server->wait_listening());

    // The restarted server has no history, so the resubscribe (with `since`) reports a gap.
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() == 2; }));
    {
        std::lock_guard lock(rec.mutex);
        EXPECT_EQ(rec.subscribed[1].first, "agent:a1");
        EXPECT_EQ(rec.subscribed[1].second, std::optional<bool>{false});
    }
    ASSERT_EQ(publish(port, R"({"channel":"agent:a1","type":"log_entry","payload":{"n":2}})"),
              200u);
    ASSERT_TRUE(rec.wait_for([&] { return rec.events.size() == 2; }));

    std::lock_guard lock(rec.mutex);
    EXPECT_EQ(rec.events[1].payload_json, R"({"n":2})");
    EXPECT_EQ(rec.lifecycle.front(), "connecting");
    EXPECT_EQ(rec.lifecycle.back(), "connected");
    // connected, then one or more reconnecting (refused while the server was down), then connected.
    const auto first_reconnect =
        std::find(rec.lifecycle.begin(), rec.lifecycle.end(), "reconnecting");
    ASSERT_NE(first_reconnect, rec.lifecycle.end());
    EXPECT_EQ(*(first_reconnect - 1), "connected");
    EXPECT_EQ(rec.connected, 2);
    EXPECT_FALSE(rec.disconnected.has_value());
}

}  // namespace
}  // namespace kata::client::testing
