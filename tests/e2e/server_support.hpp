#pragma once
// Support for the server end-to-end tests: an in-process server on an ephemeral 127.0.0.1 port,
// a raw WebSocket peer whose every wait has a deadline, and a tiny HTTP client.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/auth/digest.hpp"
#include "core/auth/file_directory.hpp"
#include "core/config/server_config.hpp"
#include "core/server/server.hpp"
#include "eventually.hpp"

namespace kata::e2e {

using namespace std::chrono_literals;
using json = nlohmann::json;
using headers = std::map<std::string, std::string>;

// Keys of the test directory (team t1 owns spec s1 and agent a1; team t2 owns spec s2).
inline const std::string key_t1 = "key-t1-subscribe-publish";
inline const std::string key_t2 = "key-t2-subscribe";
inline const std::string key_no_subscribe = "key-t1-publish-only";
inline const std::string key_publish_any = "key-ops-publish-any";
inline const std::string key_admin = "key-ops-admin";  // scope admin only (POST /v1/disconnect)
inline const std::string session_t1 = "session-token-t1";
inline const std::string good_origin = "https://app.example.com";

config::server_config test_config();

// A directory whose every lookup fails: the fail-closed test double.
class failing_directory final : public auth::directory {
  public:
    auth::lookup_result<auth::principal> authenticate_api_key(std::string_view) const override;
    auth::lookup_result<auth::principal> authenticate_session(std::string_view) const override;
    auth::lookup_result<std::string> team_of_spec(std::string_view) const override;
    auth::lookup_result<std::string> team_of_agent(std::string_view) const override;
};

// Authenticates like the file directory but fails every spec/agent lookup.
class flaky_lookup_directory final : public auth::directory {
  public:
    explicit flaky_lookup_directory(auth::directory_config cfg) : inner_(std::move(cfg)) {}
    auth::lookup_result<auth::principal> authenticate_api_key(std::string_view k) const override {
        return inner_.authenticate_api_key(k);
    }
    auth::lookup_result<auth::principal> authenticate_session(std::string_view t) const override {
        return inner_.authenticate_session(t);
    }
    auth::lookup_result<std::string> team_of_spec(std::string_view) const override { return {}; }
    auth::lookup_result<std::string> team_of_agent(std::string_view) const override { return {}; }

  private:
    auth::file_directory inner_;
};

class running_server {
  public:
    explicit running_server(config::server_config cfg = test_config(),
                            std::shared_ptr<const auth::directory> dir = nullptr);
    ~running_server();
    std::uint16_t port() const { return srv->port(); }
    std::unique_ptr<server::server> srv;
};

struct http_result {
    int status = 0;
    json body;
    std::string text;  // the body as received (for answers that are not JSON)
};

// One HTTP/1.1 request to 127.0.0.1:port (Connection: close), answered within 10 s.
http_result http_request(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body = "", const headers& extra = {});

// Sends `raw` (a request written by hand, e.g. headers that promise a body never sent) and reads
// the answer.
http_result http_raw(std::uint16_t port, const std::string& raw);

http_result publish(std::uint16_t port, const std::string& key, const json& body);

// A WebSocket peer driven from the test thread. Every wait has a deadline; nothing sleeps.
class ws_peer {
  public:
    ws_peer();
    ~ws_peer();
    ws_peer(const ws_peer&) = delete;

    // Upgrade to ws://127.0.0.1:port/v1/ws. False when the upgrade was refused; then
    // http_status() holds the status.
    bool connect(std::uint16_t port, const headers& extra = {}, bool offer_subprotocol = false);
    int http_status() const { return http_status_; }
    std::string subprotocol() const { return subprotocol_; }

    void send_text(const std::string& text);
    void send_binary(const std::string& data);
    void send(const json& command) { send_text(command.dump()); }

    // The next text frame as JSON, or nullopt when none came within `timeout` or the connection
    // closed (see closed()/close_code()).
    std::optional<json> next(std::chrono::milliseconds timeout = 5s);
    // The text of the frame next() returned last, byte for byte.
    const std::string& last_text() const { return last_text_; }
    // Skips frames until one of `type` (and `channel`, when given) arrives.
    std::optional<json> next_of(const std::string& type, std::chrono::milliseconds timeout = 5s);
    // Reads until the server closes; true when it did within `timeout`.
    bool wait_closed(std::chrono::milliseconds timeout = 5s);

    bool closed() const { return closed_; }
    int close_code() const { return close_code_; }
    std::string close_reason() const { return close_reason_; }

    // Subscribe and wait for the answer (subscribed or error).
    json subscribe(const std::string& channel, const std::string& request_id = "r");

    // A peer that does not read never answers pings either: a silent or slow consumer.
    // Set before connect(): a small receive buffer, so a stalled reader stalls the server fast.
    void small_receive_buffer();

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
    int http_status_ = 0;
    std::string subprotocol_;
    bool closed_ = false;
    int close_code_ = 0;
    std::string close_reason_;
    std::string last_text_;
};

}  // namespace kata::e2e
