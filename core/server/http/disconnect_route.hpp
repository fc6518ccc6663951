#pragma once
#include <memory>

#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/server_state.hpp"
#include "core/server/ws/worker_mailbox.hpp"

namespace kata::server {

// POST /v1/disconnect (docs/protocol.md "Disconnect API"): an API key with the `admin` scope
// ends the connections of a user, key id, team or credential digest on every node (or, with
// `channel`, that subscription of theirs). 401/403 like a publish, 400 for a body that is not
// exactly one target, 503 `broker_unavailable` when the broker did not store it (it was applied
// on this node), else 200 {"matched": N} with N the matches on this node. Awaited on the
// executor of the calling coroutine; answers from other threads come back through `mailbox`
// (a worker's), which drops them once that worker is gone.
asio::awaitable<http_response> handle_disconnect(const http_request& req, server_state& state,
                                                 std::shared_ptr<worker_mailbox> mailbox);

// The path, for the routers.
inline constexpr std::string_view disconnect_path = "/v1/disconnect";

}  // namespace kata::server
