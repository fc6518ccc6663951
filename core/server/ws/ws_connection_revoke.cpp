// Push revocation (POST /v1/disconnect) reaching one connection, on its worker's thread.
#include <algorithm>

#include "core/server/ops/log.hpp"
#include "core/server/ops/log_limiter.hpp"
#include "core/server/ops/remote_address.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {

bool ws_connection::revoke(const auth::disconnect_target& target) {
    if (ended_ || closing_) return false;
    if (!auth::disconnect_matches(target, who_, kind_, {digest_.data(), digest_.size()}))
        return false;
    if (!target.channel) {
        state_.counters.closed_revoked.fetch_add(1);
        // One line per connection, rate-limited with a count: a team's disconnect may close
        // thousands at once. The key id or user only, never the credential.
        log_refusal(refusal::credential_revoked, remote_address(socket_), who_.id, {}, id_);
        begin_close(protocol::close_code::unauthorized, "credential revoked");
        return true;
    }
    const std::string& key = *target.channel;
    // A subscribe still waiting for the directory is dropped: its late answer ends it.
    const bool was_pending =
        std::any_of(pending_.begin(), pending_.end(),
                    [&](const pending_subscribe& p) { return p.channel == key; });
    if (was_pending) cancel_pending(key);
    for (std::size_t i = 0; i < subscriptions_.size(); ++i) {
        if (subscriptions_[i]->name() != key) continue;
        end_revoked_subscription(i);
        return true;
    }
    return was_pending;
}

}  // namespace kata::server
