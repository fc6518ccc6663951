// What a connection does with the revalidator's fresh directory answers: the same as after a
// SIGHUP re-check, for the credential and the spec/agent channels it holds.
#include "core/auth/authorizer.hpp"
#include "core/protocol/channel.hpp"
#include "core/server/ops/log_limiter.hpp"
#include "core/server/ops/remote_address.hpp"
#include "core/server/ws/revalidator.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {

void ws_connection::apply_revalidation(const revalidation_batch& batch) {
    if (ended_ || closing_) return;
    bool team_may_have_changed = false;
    if (!batch.principals.empty()) {
        // Reused: every connection of the worker looks itself up in every batch.
        thread_local std::string key;
        const auto it = batch.principals.find(credential_key(kind_, digest(), key));
        if (it != batch.principals.end()) {
            const auto& found = it->second;
            if (found.status == auth::lookup_status::not_found) {
                state_.counters.closed_revoked.fetch_add(1);
                // Rate-limited with a count: one revoked key can hold thousands of connections.
                log_refusal(refusal::credential_revoked, remote_address(socket_), who_.id, {}, id_);
                begin_close(protocol::close_code::unauthorized, "credential revoked");
                return;
            }
            if (!found.value.has(auth::scope_subscribe)) {
                begin_close(protocol::close_code::forbidden, "scope revoked");
                return;
            }
            team_may_have_changed = found.value.team != who_.team;
            who_ = found.value;
            if (close_if_expired()) return;  // the backend moved the expiry into the past
        }
    }
    if (!team_may_have_changed && batch.owners.empty()) return;
    for (std::size_t i = subscriptions_.size(); i-- > 0;) {
        const std::string& name = subscriptions_[i]->name();
        if (name.starts_with("team:")) {
            if (team_may_have_changed && name.substr(5) != who_.team) end_revoked_subscription(i);
            continue;
        }
        // A spec or agent: decided by its owner's fresh answer, when the batch holds one; a
        // principal that moved team meets its channels' owners within the interval.
        const auto owner = batch.owners.find(name);
        if (owner == batch.owners.end()) continue;
        if (auth::authorize_owner(owner->second, who_) == auth::decision::forbidden)
            end_revoked_subscription(i);
    }
}

void ws_connection::end_revoked_subscription(std::size_t i) {
    hub::channel* ch = subscriptions_[i];
    const std::string key = ch->name();
    leave(ch);
    drop(state_.counters.subscriptions);
    subscriptions_[i] = subscriptions_.back();
    subscriptions_.pop_back();
    log_refusal(refusal::subscription_revoked, remote_address(socket_), who_.id, key, id_);
    send_control("unsubscribed", &key, R"({"reason":"revoked"})");
}

}  // namespace kata::server
