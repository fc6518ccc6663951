#include "core/server/ws/tls_ws_connection.hpp"

#include "core/server/ops/log.hpp"

namespace kata::server {

tls_ws_connection::tls_ws_connection(tcp::socket socket, std::unique_ptr<tls_transport> tls,
                                     auth::principal who, auth::credential_kind kind,
                                     std::string_view digest, worker& w)
    : ws_connection(std::move(socket), std::move(who), kind, digest, w), tls_(std::move(tls)) {}

ws_connection::io_result tls_ws_connection::translate(tls_transport::result r) {
    using st = tls_transport::status;
    switch (r.state) {
        case st::ok:
            return {r.bytes, io_state::ok};
        case st::want_read:
        case st::want_write:
            return {r.bytes, io_state::would_block};
        case st::closed:
        case st::failed:
            break;
    }
    if (r.state == st::failed && log_enabled(log_level::debug)) {
        log(log_level::debug, "tls connection failed", {{"conn", id()}, {"reason", tls_->error()}});
    }
    return {r.bytes, io_state::closed};
}

ws_connection::io_result tls_ws_connection::read_some(std::span<char> into) {
    const auto r = tls_->read(into);
    // Reading may have produced records (an alert, a key update's answer) the socket did not take.
    if (tls_->holds_output()) request_flush();
    return translate(r);
}

ws_connection::io_result tls_ws_connection::write_some(const iovec* iov, std::size_t count) {
    return translate(tls_->write(iov, count));
}

}  // namespace kata::server
