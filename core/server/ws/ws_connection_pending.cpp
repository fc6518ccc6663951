// Subscribes through an async directory (the HTTP one). The answer may come later, from another
// thread: the subscribe is held (at most max_subscriptions per connection) and completed on the
// connection's thread. Meanwhile the connection keeps serving, so a later command (a ping) may be
// answered before a pending subscribe; answers to subscribes of one channel keep their order
// because identical lookups share one backend request.
#include <algorithm>

#include "core/protocol/control.hpp"
#include "core/protocol/error_code.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {

namespace error_code = protocol::error_code;

void ws_connection::run_here(std::function<void()> fn) {
    // Never worker_ here: the answer may come after the worker was destroyed.
    if (mailbox_->on_this_thread()) {
        fn();
        return;
    }
    mailbox_->post(std::move(fn));
}

bool ws_connection::take_pending(std::uint64_t id) {
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        if (pending_[i].id != id) continue;
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
    }
    return false;
}

void ws_connection::cancel_pending(const std::string& channel) {
    std::erase_if(pending_, [&](const pending_subscribe& p) { return p.channel == channel; });
}

void ws_connection::subscribe_async(const auth::async_directory& dir,
                                    const protocol::command& cmd) {
    const std::string key = cmd.channel->str();
    if (pending_.size() >= state_.config.limits.max_subscriptions) {
        send_error(error_code::subscription_limit,
                   "too many subscriptions waiting for authorization", cmd.request_id, &key);
        return;
    }
    const auto id = ++next_pending_id_;
    pending_.push_back({id, key});
    // The principal is checked again on every subscribe: answered by the cache until its entry
    // expires, then by the backend. That is how a revoked key reaches an open connection,
    // one connection at a time, between the re-validations of directory.http.revalidate_ms.
    dir.authenticate_digest(
        kind_, {digest_.data(), digest_.size()},
        [self = shared_from_this(), cmd, id](auth::lookup_result<auth::principal> found) {
            self->run_here([self, cmd, id, found = std::move(found)]() mutable {
                self->subscribe_authenticated(cmd, id, std::move(found));
            });
        });
}

void ws_connection::subscribe_authenticated(const protocol::command& cmd, std::uint64_t id,
                                            auth::lookup_result<auth::principal> found) {
    if (ended_ || closing_) return;
    const std::string key = cmd.channel->str();
    const bool still_wanted = std::any_of(pending_.begin(), pending_.end(),
                                          [id](const pending_subscribe& p) { return p.id == id; });
    if (!still_wanted) {
        send_control("unsubscribed", &key, protocol::subscription_payload(cmd.request_id, {}));
        return;
    }
    switch (found.status) {
        case auth::lookup_status::not_found:
            take_pending(id);
            state_.counters.closed_revoked.fetch_add(1);
            log(log_level::info, "credential no longer known: closing connection of " + who_.id);
            begin_close(protocol::close_code::unauthorized, "credential revoked");
            return;
        case auth::lookup_status::unavailable:
            take_pending(id);
            finish_subscribe(cmd, auth::decision::unavailable);
            return;
        case auth::lookup_status::found:
            break;
    }
    if (!found.value.has(auth::scope_subscribe)) {
        take_pending(id);
        begin_close(protocol::close_code::forbidden, "scope revoked");
        return;
    }
    who_ = std::move(found.value);
    if (close_if_expired()) {  // the backend's answer moved the expiry into the past
        take_pending(id);
        return;
    }
    const auto& channel = *cmd.channel;
    if (channel.family == protocol::channel_family::team) {
        take_pending(id);
        finish_subscribe(cmd, !who_.team.empty() && channel.id == who_.team
                                  ? auth::decision::allowed
                                  : auth::decision::forbidden);
        return;
    }
    const auto dir = state_.directory();
    const auto* async_dir = dir->async();
    if (async_dir == nullptr) {  // the directory was replaced by a synchronous one meanwhile
        take_pending(id);
        finish_subscribe(cmd, auth::authorize_subscribe(*dir, who_, channel));
        return;
    }
    async_dir->team_of(
        channel.family == protocol::channel_family::spec ? auth::owner_kind::spec
                                                         : auth::owner_kind::agent,
        channel.id, [self = shared_from_this(), cmd, id](auth::lookup_result<std::string> owner) {
            self->run_here([self, cmd, id, owner = std::move(owner)] {
                self->subscribe_owned(cmd, id, owner);
            });
        });
}

void ws_connection::subscribe_owned(const protocol::command& cmd, std::uint64_t id,
                                    const auth::lookup_result<std::string>& owner) {
    if (ended_ || closing_) return;
    if (!take_pending(id)) {
        const std::string key = cmd.channel->str();
        send_control("unsubscribed", &key, protocol::subscription_payload(cmd.request_id, {}));
        return;
    }
    finish_subscribe(cmd, auth::authorize_owner(owner, who_));
}

}  // namespace kata::server
