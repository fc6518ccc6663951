#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/server_state.hpp"

namespace kata::server {

class worker;

// The `admin_listen` acceptor: serves only /healthz, /readyz, /metrics and the server API
// (POST /v1/disconnect; 404 for anything else), so the operator's endpoints can sit on a private
// interface while `listen` is public.
class admin_listener {
  public:
    // Binds `address` (port 0: ephemeral) and starts accepting on `w`'s thread. Throws
    // std::system_error when the address cannot be bound.
    admin_listener(worker& w, const std::pair<std::string, std::uint16_t>& address);
    std::uint16_t port() const { return port_; }
    // Closes the acceptor and waits until it is closed, so the port is free on return. Needs the
    // io_context running.
    void close();

  private:
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
};

}  // namespace kata::server
