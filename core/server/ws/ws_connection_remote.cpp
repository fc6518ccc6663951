// Subscribing with a remote broker (Redis). The channel's first subscriber on this node opens it
// in the broker, and `subscribed` is sent only once the broker confirmed it: an event published
// on any node after that reaches this connection. A resume is replayed from the broker's stream.
// The subscribe is held meanwhile (like one waiting for an async directory), and the connection
// goes on serving.
#include <algorithm>

#include "core/protocol/control.hpp"
#include "core/protocol/error_code.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {

namespace error_code = protocol::error_code;

void ws_connection::subscribe_remote(const protocol::command& cmd) {
    const std::string key = cmd.channel->str();
    if (pending_.size() >= state_.config.limits.max_subscriptions) {
        send_error(error_code::subscription_limit, "too many subscriptions waiting", cmd.request_id,
                   &key);
        return;
    }
    const auto id = ++next_pending_id_;
    pending_.push_back({id, key});
    state_.hub.prepare(*cmd.channel, cmd.since, resume_prepared(cmd, id));
}

std::function<void(hub::prepared)> ws_connection::resume_prepared(const protocol::command& cmd,
                                                                  std::uint64_t id) {
    // The broker answers on its own thread: the subscribe goes on on this connection's.
    return [self = shared_from_this(), cmd, id](hub::prepared p) {
        self->run_here([self, cmd, id, p = std::move(p)]() mutable {
            self->subscribe_prepared(cmd, id, std::move(p));
        });
    };
}

void ws_connection::subscribe_prepared(const protocol::command& cmd, std::uint64_t id,
                                       hub::prepared p) {
    const std::string key = cmd.channel->str();
    const bool still_wanted = std::any_of(pending_.begin(), pending_.end(),
                                          [id](const pending_subscribe& q) { return q.id == id; });
    if (ended_ || closing_ || !still_wanted) {
        state_.hub.abandon(p);
        if (!ended_ && !closing_) {
            send_control("unsubscribed", &key, protocol::subscription_payload(cmd.request_id, {}));
        }
        return;
    }
    if (!p.available) {
        take_pending(id);
        state_.hub.abandon(p);
        send_error(error_code::broker_unavailable,
                   "the broker is unreachable; subscribe again later", cmd.request_id, &key);
        return;
    }
    // Two subscribes of one channel may have been held at once: the first one to finish wins.
    if (find_subscription(key) != nullptr) {
        take_pending(id);
        state_.hub.abandon(p);
        send_control("subscribed", &key,
                     protocol::subscription_payload(
                         cmd.request_id, cmd.since ? std::optional<bool>(true) : std::nullopt));
        return;
    }
    if (refuse_over_limit(cmd, key)) {
        take_pending(id);
        state_.hub.abandon(p);
        return;
    }
    auto att = state_.hub.attach_prepared(p, &worker_);
    if (!att) {
        state_.hub.refetch(std::move(p), resume_prepared(cmd, id));
        return;
    }
    take_pending(id);
    complete_subscribe(cmd, *att);
}

}  // namespace kata::server
