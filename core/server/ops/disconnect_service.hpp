#pragma once
#include <cstddef>
#include <functional>

#include "core/auth/disconnect_request.hpp"

namespace kata::server {

// What a disconnect did: how many connections (or, with a channel, subscriptions) it matched on
// this node, and whether the broker stored it for the other nodes (always true without one).
struct disconnect_outcome {
    std::size_t matched = 0;
    bool shared = true;
};

// Ends the connections a disconnect names, here and (through the broker) on every node. Set on
// server_state by the server, implemented next to the workers.
class disconnect_service {
  public:
    virtual ~disconnect_service() = default;
    // Any thread; `done` runs once, on a worker's or the broker's thread.
    virtual void disconnect(const auth::disconnect_target& target,
                            std::function<void(disconnect_outcome)> done) = 0;
    // Disconnects sent from other nodes reach this one (readiness): with a remote broker, once
    // the node follows the broker's disconnect channel.
    virtual bool ready() const = 0;
};

}  // namespace kata::server
