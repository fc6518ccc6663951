#pragma once
// What the upgrade path and a WebSocket session report when a connection is refused or ends:
// the metrics and the log line, in one call each, so the session code keeps one-line hooks.
#include <cstdint>
#include <string_view>

#include "core/protocol/close_codes.hpp"
#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/server_state.hpp"

namespace kata::server {

// The close code a connection ended with: the server's own when it was closing, else what the
// read error says (1002/1007/1009 for protocol violations Beast closed on, the peer's code for a
// peer close, 1006 for a connection lost without a close frame).
std::uint16_t observed_close_code(const beast::error_code& read_error,
                                  const websocket::close_reason& peer, bool server_closing,
                                  protocol::close_code server_code);

// A connection refused at connect: `code` is 403 (HTTP, Origin) or the close code sent right
// after the upgrade (4401, 4403, 4503, 4429). Counts it and logs it (rate-limited).
void account_refusal(server_state& state, std::uint16_t code, std::string_view remote);

// An accepted connection ended with `code`: counted by code; protocol closes are logged at info
// (rate-limited), every close at debug.
void account_close(server_state& state, std::uint16_t code, std::uint64_t connection,
                   std::string_view who, std::string_view remote);

}  // namespace kata::server
