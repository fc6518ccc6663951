// The client half of revocation: a server-sent `unsubscribed` {"reason":"revoked"} drops the
// channel from what the reconnecting client resubscribes, and is reported as an error naming it.
// The server side is played by the test (a Beast WebSocket acceptor), since the real server only
// sends revocations after a SIGHUP reload.
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "core/protocol/envelope.hpp"
#include "tests/e2e/client_support.hpp"

extern char** environ;

namespace kata::client::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// One WebSocket connection at a time, accepted and driven from the test thread; every wait has a
// deadline.
class fake_server {
  public:
    fake_server() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    bool accept() {
        ws_.reset();
        bool done = false;
        beast::error_code result;
        acceptor_.async_accept([&](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                result = ec;
                done = true;
                return;
            }
            ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(std::move(socket));
            ws_->async_accept([&](beast::error_code ec2) {
                result = ec2;
                done = true;
            });
        });
        return run_until(done) && !result;
    }

    // The next command the client sent, as JSON; null on timeout or close. A `ping` is answered
    // with a `pong` and skipped, as a server that accepted the credential does.
    nlohmann::json read_command() {
        for (;;) {
            bool done = false;
            beast::error_code result;
            buffer_.clear();
            ws_->async_read(buffer_, [&](beast::error_code ec, std::size_t) {
                result = ec;
                done = true;
            });
            if (!run_until(done) || result) return nullptr;
            auto cmd =
                nlohmann::json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false);
            if (!cmd.is_object() || cmd.value("type", "") != "ping") return cmd;
            send("pong", std::nullopt, "{}");
        }
    }

    void send(const std::string& type, std::optional<std::string> channel,
              const std::string& payload) {
        protocol::envelope env;
        env.type = type;
        env.channel = channel;
        env.timestamp = "2026-11-26T00:00:00.000Z";
        env.event_id = "ctl_" + std::to_string(++sent_);
        env.payload_json = payload;
        const auto text = protocol::serialize_envelope(env);
        bool done = false;
        ws_->text(true);
        ws_->async_write(asio::buffer(text), [&](beast::error_code, std::size_t) { done = true; });
        run_until(done);
    }

    // Answers a subscribe command with `subscribed`.
    void confirm(const nlohmann::json& cmd) {
        send("subscribed", cmd["channel"].get<std::string>(), "{}");
    }

    void close_going_away() {
        bool done = false;
        ws_->async_close(websocket::close_code::going_away,
                         [&](beast::error_code) { done = true; });
        run_until(done);
    }

  private:
    bool run_until(bool& done) {
        io_.restart();
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done && io_.run_one_until(deadline) > 0) {
        }
        return done;
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::unique_ptr<websocket::stream<beast::tcp_stream>> ws_;
    beast::flat_buffer buffer_;
    int sent_ = 0;
};

TEST(ClientRevocation, RevokedChannelIsReportedAndNotResubscribed) {
    fake_server server;
    client_thread thread;
    recorder rec;
    auto opts = options_for(server.port(), "any-key");
    opts.min_delay = 1ms;  // reconnect at once after the close below
    opts.max_delay = 5ms;
    reconnecting_client client(thread.io, opts, rec.callbacks());
    client.subscribe(channel("spec:1"), rec.handler());
    client.subscribe(channel("spec:2"), rec.handler());
    client.start();

    ASSERT_TRUE(server.accept());
    for (const char* expected : {"spec:1", "spec:2"}) {
        const auto cmd = server.read_command();
        ASSERT_EQ(cmd["type"], "subscribe") << cmd;
        ASSERT_EQ(cmd["channel"], expected) << cmd;
        server.confirm(cmd);
    }
    ASSERT_TRUE(rec.wait_for([&] { return rec.subscribed.size() == 2; }));

    server.send("unsubscribed", "spec:1", R"({"reason":"revoked"})");
    ASSERT_TRUE(rec.wait_for([&] { return !rec.errors.empty(); }));
    {
        std::lock_guard lock(rec.mutex);
        EXPECT_EQ(rec.errors[0].code, "revoked");
        EXPECT_EQ(rec.errors[0].channel, "spec:1");
        EXPECT_NE(rec.errors[0].message.find("spec:1"), std::string::npos);
    }
    // An event still in flight on the revoked channel is not delivered.
    server.send("log_entry", "spec:1", "{}");
    server.send("log_entry", "spec:2", "{}");
    ASSERT_TRUE(rec.wait_for([&] { return !rec.events.empty(); }));

    server.close_going_away();  // 1001: the client reconnects and resubscribes
    ASSERT_TRUE(server.accept());
    const auto again = server.read_command();
    EXPECT_EQ(again["type"], "subscribe") << again;
    EXPECT_EQ(again["channel"], "spec:2") << again;
    server.confirm(again);
    // Commands leave in order: the next one is the new subscribe, so spec:1 was not resent.
    client.subscribe(channel("team:t1"), rec.handler());
    const auto next = server.read_command();
    EXPECT_EQ(next["channel"], "team:t1") << next;

    std::lock_guard lock(rec.mutex);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].channel, "spec:2");
    EXPECT_EQ(rec.errors.size(), 1u);
}

// The answer to the client's own unsubscribe is not a revocation.
TEST(ClientRevocation, PlainUnsubscribedIsNoError) {
    fake_server server;
    client_thread thread;
    recorder rec;
    reconnecting_client client(thread.io, options_for(server.port(), "any-key"), rec.callbacks());
    client.subscribe(channel("spec:1"), rec.handler());
    client.start();
    ASSERT_TRUE(server.accept());
    const auto cmd = server.read_command();
    server.confirm(cmd);
    server.send("unsubscribed", "spec:1", R"({"requestId":"r9"})");
    server.send("log_entry", "spec:1", "{}");
    ASSERT_TRUE(rec.wait_for([&] { return !rec.events.empty(); }));
    std::lock_guard lock(rec.mutex);
    EXPECT_TRUE(rec.errors.empty());
}

// `kata-rt subscribe` as a child process whose stderr the test reads; killed if still running.
class subscribe_process {
  public:
    explicit subscribe_process(std::vector<std::string> args) {
        int fds[2];
        if (pipe(fds) != 0) return;
        args.insert(args.begin(), {KATA_RT_BINARY, "subscribe"});
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        stderr_ = fds[0];
    }
    ~subscribe_process() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (stderr_ >= 0) close(stderr_);
    }

    // Reads stderr to EOF (the child exited) and returns the exit status; nullopt on deadline.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd pfd{stderr_, POLLIN, 0};
            if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
                return std::nullopt;
            }
            char buf[1024];
            const auto n = read(stderr_, buf, sizeof buf);
            if (n <= 0) break;
            output.append(buf, static_cast<std::size_t>(n));
        }
        int status = 0;
        if (waitpid(pid_, &status, 0) != pid_) return std::nullopt;
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    std::string output;

  private:
    pid_t pid_ = -1;
    int stderr_ = -1;
};

TEST(ClientRevocation, SubscribeCommandSaysSoAndExits1) {
    fake_server server;
    subscribe_process cli({"--url", "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws",
                           "--api-key", "any-key", "spec:1"});
    ASSERT_TRUE(server.accept());
    const auto cmd = server.read_command();
    ASSERT_EQ(cmd["channel"], "spec:1") << cmd;
    server.confirm(cmd);
    server.send("unsubscribed", "spec:1", R"({"reason":"revoked"})");
    // The client closes once it gives up: let its close handshake complete.
    EXPECT_TRUE(server.read_command().is_null());
    EXPECT_EQ(cli.wait_exit(10s), 1) << cli.output;
    EXPECT_NE(cli.output.find("subscription to spec:1 revoked by the server"), std::string::npos)
        << cli.output;
}

}  // namespace
}  // namespace kata::client::testing
