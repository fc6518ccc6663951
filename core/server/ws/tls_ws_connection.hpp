#pragma once
#include <memory>

#include "core/server/tls/tls_transport.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {

// A WebSocket connection over TLS: the same connection, with reads decrypted into the worker's
// buffer and each flush's frames encrypted as one batch of records sent in one system call.
class tls_ws_connection final : public ws_connection {
  public:
    tls_ws_connection(tcp::socket socket, std::unique_ptr<tls_transport> tls, auth::principal who,
                      auth::credential_kind kind, std::string_view digest, worker& w);

  private:
    io_result read_some(std::span<char> into) override;
    io_result write_some(const iovec* iov, std::size_t count) override;
    bool holds_output() const override { return tls_->holds_output(); }
    bool holds_input() const override { return tls_->holds_input(); }
    void close_transport() override { tls_->close_notify(); }
    io_result translate(tls_transport::result r);

    std::unique_ptr<tls_transport> tls_;
};

}  // namespace kata::server
