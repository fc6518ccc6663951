#include "core/server/ops/connection_accounting.hpp"

#include <boost/beast/websocket/error.hpp>

#include "core/server/ops/log.hpp"
#include "core/server/ops/log_limiter.hpp"

namespace kata::server {

std::uint16_t observed_close_code(const beast::error_code& read_error,
                                  const websocket::close_reason& peer, bool server_closing,
                                  protocol::close_code server_code) {
    if (server_closing) return static_cast<std::uint16_t>(server_code);
    if (read_error == websocket::error::message_too_big) return 1009;
    if (read_error == websocket::error::bad_frame_payload) return 1007;
    if (read_error == websocket::condition::protocol_violation) return 1002;
    if (read_error == websocket::error::closed) return peer.code ? peer.code : 1005;
    return 1006;
}

void account_refusal(server_state& state, std::uint16_t code, std::string_view remote) {
    auto& c = state.counters;
    switch (code) {
        case 403:
            c.auth_failures.add(auth_failure::origin_not_allowed);
            return log_refusal(refusal::origin_not_allowed, remote);
        case 4401:
            c.auth_failures.add(auth_failure::unauthorized);
            c.closed_by_code.add(code);
            return log_refusal(refusal::unauthorized, remote);
        case 4403:
            c.auth_failures.add(auth_failure::missing_scope);
            c.closed_by_code.add(code);
            return log_refusal(refusal::forbidden, remote);
        case 4503:
            c.auth_failures.add(auth_failure::auth_unavailable);
            c.closed_by_code.add(code);
            return log_refusal(refusal::auth_unavailable, remote);
        default:
            c.closed_by_code.add(code);
            return log_refusal(refusal::too_many, remote);
    }
}

void account_close(server_state& state, std::uint16_t code, std::uint64_t connection,
                   std::string_view who, std::string_view remote) {
    state.counters.closed_by_code.add(code);
    switch (code) {
        case 1002:
            log_refusal(refusal::protocol_error, remote, who, {}, connection);
            break;
        case 1007:
            log_refusal(refusal::invalid_utf8, remote, who, {}, connection);
            break;
        case 1009:
            log_refusal(refusal::message_too_big, remote, who, {}, connection);
            break;
        case 4429:
            log_refusal(refusal::too_many, remote, who, {}, connection);
            break;
        default:
            break;
    }
    log(log_level::debug, "connection closed",
        {{"conn", connection}, {"who", who}, {"remote", remote}, {"code", std::uint64_t{code}}});
}

}  // namespace kata::server
