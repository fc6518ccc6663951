#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/client/dedupe_window.hpp"
#include "core/protocol/channel.hpp"
#include "core/protocol/command.hpp"
#include "core/protocol/envelope.hpp"

namespace kata::client {

// Called with every event delivered on a subscribed channel, at most once per eventId.
using event_handler = std::function<void(const protocol::envelope&)>;

// The channels the application wants, with each one's handler, resume position (last eventId
// seen) and duplicate window. Pure bookkeeping, no I/O: the client asks it what to send after a
// reconnect and whom to hand an event to.
class subscription_set {
  public:
    explicit subscription_set(std::size_t dedupe_capacity) : dedupe_capacity_(dedupe_capacity) {}

    // Wants `channel` with `handler`. True when the channel is new, i.e. a subscribe must be sent;
    // false when only the handler was replaced.
    bool add(const protocol::channel_name& channel, std::shared_ptr<event_handler> handler);
    // Stops wanting `channel`, forgetting its resume position. True when it was wanted.
    bool remove(const protocol::channel_name& channel);
    bool contains(std::string_view channel) const;

    // The subscribe command for a wanted channel, `since` = its last eventId when there is one.
    std::optional<protocol::command> subscribe_command(std::string_view channel) const;
    // One subscribe command per wanted channel, for the start of a new connection.
    std::vector<protocol::command> resubscribe_commands() const;

    // The handler for an event envelope, or null when its channel is not wanted or its eventId
    // was already delivered. A non-null answer records the eventId as the resume position.
    std::shared_ptr<event_handler> route(const protocol::envelope& env);

  private:
    struct entry {
        protocol::channel_name channel;
        std::shared_ptr<event_handler> handler;
        std::optional<std::string> last_event_id;
        dedupe_window seen;
    };
    static protocol::command command_for(const entry& e);

    std::size_t dedupe_capacity_;
    std::map<std::string, entry, std::less<>> entries_;  // keyed by channel text
};

}  // namespace kata::client
