// The reconnecting client survives `kill -9` of the server binary and a restart on the same port.
#include <signal.h>

#include <cstdlib>
#include <fstream>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tests/e2e/client_support.hpp"
#include "tests/e2e/serve_process.hpp"

namespace kata::client::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// `kata-rt serve --config FILE` as a child process (shared with the serve command tests).
struct server_process : e2e::serve_process {
    explicit server_process(const std::string& config_path)
        : serve_process({"--config", config_path}) {}
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
