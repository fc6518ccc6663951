#pragma once
// Shared fixtures of the client end-to-end tests: a recorder of client callbacks that tests wait
// on (condition variable with deadlines, never sleeps), and an in-process server with one API key.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/auth/digest.hpp"
#include "core/auth/file_directory.hpp"
#include "core/auth/principal.hpp"
#include "core/client/reconnecting_client.hpp"
#include "core/server/server.hpp"

namespace kata::client::testing {

using namespace std::chrono_literals;

inline const std::string test_key = "e2e-client-key-0123456789";

// Everything a client reported, in order, for assertions and waits.
class recorder {
  public:
    client_callbacks callbacks() {
        client_callbacks cb;
        cb.connecting = [this] { push([&] { lifecycle.push_back("connecting"); }); };
        cb.connected = [this] {
            push([&] {
                lifecycle.push_back("connected");
                ++connected;
            });
        };
        cb.reconnecting = [this](const reconnect_info& info) {
            push([&] {
                lifecycle.push_back("reconnecting");
                reconnects.push_back(info);
                reconnect_at.push_back(std::chrono::steady_clock::now());
            });
        };
        cb.disconnected = [this](const disconnect_info& info) {
            push([&] {
                lifecycle.push_back("disconnected");
                disconnected = info;
            });
        };
        cb.error = [this](const client_error& err) { push([&] { errors.push_back(err); }); };
        cb.subscribed = [this](const std::string& channel, std::optional<bool> recovered) {
            push([&] { subscribed.emplace_back(channel, recovered); });
        };
        return cb;
    }

    event_handler handler() {
        return [this](const protocol::envelope& env) { push([&] { events.push_back(env); }); };
    }

    // Waits until `done()` (called under the lock) holds; false on timeout.
    template <class Pred>
    bool wait_for(Pred done, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] { return done(); });
    }

    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::string> lifecycle;
    std::vector<reconnect_info> reconnects;
    std::vector<std::chrono::steady_clock::time_point> reconnect_at;
    std::optional<disconnect_info> disconnected;
    std::vector<client_error> errors;
    std::vector<std::pair<std::string, std::optional<bool>>> subscribed;
    std::vector<protocol::envelope> events;
    int connected = 0;

  private:
    template <class F>
    void push(F change) {
        {
            std::lock_guard lock(mutex);
            change();
        }
        cv.notify_all();
    }
};

// An io_context run by one background thread for the clients of a test.
class client_thread {
  public:
    client_thread() : work_(io.get_executor()), thread_([this] { io.run(); }) {}
    ~client_thread() {
        work_.reset();
        io.stop();
        thread_.join();
    }
    boost::asio::io_context io;

  private:
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

// A server config on 127.0.0.1:`port` (0: ephemeral) whose only key is `test_key` (team t1,
// subscribe + publish) and where agent a1 and spec s1 belong to t1.
inline config::server_config test_config(std::uint16_t port) {
    config::server_config cfg;
    cfg.listen_host = "127.0.0.1";
    cfg.listen_port = port;
    cfg.threads = 1;
    cfg.directory.api_keys.push_back(
        {"e2e", auth::sha256_hex(test_key), "t1",
         static_cast<std::uint8_t>(auth::scope_subscribe | auth::scope_publish)});
    cfg.directory.agents["a1"] = "t1";
    cfg.directory.specs["s1"] = "t1";
    return cfg;
}

inline std::unique_ptr<server::server> start_server(config::server_config cfg) {
    auto directory = std::make_shared<auth::file_directory>(cfg.directory);
    auto srv = std::make_unique<server::server>(std::move(cfg), std::move(directory));
    srv->start();
    return srv;
}

inline client_options options_for(std::uint16_t port, std::string key = test_key) {
    client_options opts;
    opts.url = "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws";
    opts.api_key = std::move(key);
    return opts;
}

inline protocol::channel_name channel(std::string_view text) {
    return *protocol::parse_channel(text);
}

// A port that was free a moment ago, for a server that must come back on the same one.
inline std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

}  // namespace kata::client::testing
