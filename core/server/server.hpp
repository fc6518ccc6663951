#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/auth/directory.hpp"
#include "core/config/server_config.hpp"
#include "core/hub/hub.hpp"
#include "core/server/ops/server_stats.hpp"

namespace kata::server {

// The gateway: one listener for HTTP and WebSocket on a pool of threads. Asio stays behind the
// pimpl so programs and tests that embed a server do not compile it.
class server {
  public:
    server(config::server_config config, std::shared_ptr<const auth::directory> directory);
    ~server();  // stops (see stop())
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Binds the listen address (port 0: ephemeral) and starts the threads. Throws
    // std::system_error when the address cannot be bound, std::runtime_error when the `tls`
    // files cannot be used.
    void start();

    // The bound port, valid after start().
    std::uint16_t port() const;
    // The bound port of admin_listen, valid after start(); 0 without admin_listen.
    std::uint16_t admin_port() const;

    // Stops accepting, closes every connection with 1001, and joins the threads. Connections
    // that have not closed within `grace` are cut. An async directory (HTTP) is shut down: its
    // waiting lookups fail. Idempotent.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

    // SIGHUP: later connections and commands use `directory`; open connections stay.
    void reload_directory(std::shared_ptr<const auth::directory> directory);
    // SIGHUP with `tls`: reads certificate and key again; later connections get them, open ones
    // keep theirs. On failure the old ones stay and the reason (naming the key) is returned;
    // empty on success. Without TLS at start, nothing to reload: an error too.
    std::string reload_tls(const config::tls_settings& tls);

    // Tests only: every accepted upgrade waits, just before writing its 101, until the callback
    // handed to `pause` is called (from any thread); an empty `pause` ends the waits. Holds open
    // the moment a reload or a stop must not miss.
    void pause_upgrades_for_test(std::function<void(std::function<void()> resume)> pause);

    // The in-process publisher API: hub().publish(channel, type, payload_json).
    hub::hub& hub();

    server_stats stats() const;
    const config::server_config& config() const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace kata::server
