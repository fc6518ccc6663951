#pragma once
#include <cstdint>

#include "core/protocol/shared_frame.hpp"

namespace kata::hub {

// One serialized server → client frame (WebSocket header and JSON), shared by every subscriber it
// goes to and by the channel's history: fanout copies a handle, never the bytes.
using frame = protocol::shared_frame;

class channel;

// What a channel hands its events to. In the server this is a worker thread's fanout (one per
// thread, not one per connection), so a publish costs one call per thread that has subscribers.
class subscriber {
  public:
    virtual ~subscriber() = default;
    // Called with the channel's lock held, from any thread, in publish order. `sequence` grows
    // with every event of the hub. Must not block and must not call back into the hub.
    virtual void deliver(const channel& ch, std::uint64_t sequence, const frame& f) = 0;
    // The same for a frame that came through a remote broker (published on any node): no
    // publisher here waits on it or was refused for overload, so a subscriber that has fallen
    // behind may drop it, provided the subscriptions that miss it are ended (as a slow consumer's
    // are) rather than left with a silent gap.
    virtual void deliver_remote(const channel& ch, std::uint64_t sequence, const frame& f) {
        deliver(ch, sequence, f);
    }
};

}  // namespace kata::hub
