#pragma once
#include <memory>
#include <string>

namespace kata::hub {

// One serialized server → client frame, shared by every subscriber it goes to: fanout copies a
// pointer, never the bytes.
using frame = std::shared_ptr<const std::string>;

// Something that receives a channel's frames: a WebSocket session, a test probe, a benchmark sink.
class subscriber {
  public:
    virtual ~subscriber() = default;
    // Called with the channel's lock held, from any thread, in publish order. Must not block and
    // must not call back into the hub; queueing the frame is the expected work.
    virtual void deliver(const frame& f) = 0;
};

}  // namespace kata::hub
