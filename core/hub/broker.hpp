#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/event_id.hpp"

namespace kata::hub {

// Where a channel's events are stored and ordered when several nodes share them (Redis). The
// embedded hub is its own broker and needs none of this; with a remote broker the hub publishes
// through it and receives every event of the channels its connections hold from it.
//
// Every call may come from any thread and never blocks; every answer comes on the broker's own
// thread, so a caller posts it to where it is needed. No call is ever made inside a session.

// One event to publish, its envelope already serialized but for the id: the stored text is
// `head + id + tail`, where id is protocol::event_id::str() of the position the broker gives it
// (so `head` ends with `"eventId":"` and `tail` starts with the closing quote).
struct outgoing_event {
    std::string channel;  // "spec:42"
    std::string head;
    std::string tail;
};

// A stored event as the broker hands it back: its id and its whole envelope text.
struct remote_event {
    std::uint64_t epoch = 0;
    std::uint64_t sequence = 0;
    std::string envelope;
};

// Per event of a publish, in request order: its id when stored, nullopt when it was not (its
// shard failed). A publisher retries exactly the events without an id.
struct publish_result {
    std::vector<std::optional<protocol::event_id>> ids;
    bool all_stored() const {
        for (const auto& id : ids)
            if (!id) return false;
        return true;
    }
};

// Where a channel's stream stands: events after (epoch, last_sequence) are still to come.
// epoch 0 means the channel has no events yet (its first event starts a new epoch).
struct stream_position {
    std::uint64_t epoch = 0;
    std::uint64_t last_sequence = 0;
};

// The stored events of a channel after a point.
struct history_result {
    bool available = false;            // false: the broker could not be asked; nothing else is set
    stream_position position;          // the channel's stream now
    bool complete = false;             // `events` hold every event after `since` (same epoch, kept)
    std::vector<remote_event> events;  // after `since`, oldest first (when complete)
};

// What receives the events of the channels a node holds open: once each, in sequence order
// within an epoch, without gaps (the broker fills a missed one from the stream before anything
// later). A new epoch (the stream was lost) starts over with that epoch's events. When events
// were missed and the stream no longer holds them (the node was cut off from the broker while
// more were published than the stream keeps, or the stream itself was lost), on_remote_gap()
// comes before the first event after them.
class broker_sink {
  public:
    virtual ~broker_sink() = default;
    virtual void on_remote_event(std::string_view channel, const remote_event& e) = 0;
    virtual void on_remote_gap(std::string_view channel) = 0;
};

class broker {
  public:
    virtual ~broker() = default;

    // Set once, before start().
    virtual void set_sink(broker_sink* sink) = 0;
    virtual void start() = 0;
    // Ends every connection and joins the broker's thread; pending calls are answered as failed.
    virtual void stop() = 0;

    // Stores each event (sequence, history within its bounds) and sends it to every node holding
    // its channel. One round trip per shard touched, sent in parallel.
    virtual void publish(std::vector<outgoing_event> events,
                         std::function<void(publish_result)> done) = 0;

    // Starts receiving `channel`'s events (its first local subscriber). Answers with the position
    // from which the sink gets every event, once the subscription is confirmed by the broker;
    // nullopt when the broker is unreachable. open/close for one channel may alternate quickly:
    // the last call wins and every open gets an answer.
    virtual void open(const std::string& channel,
                      std::function<void(std::optional<stream_position>)> done) = 0;
    // Stops receiving `channel` (its last local subscriber left).
    virtual void close(const std::string& channel) = 0;

    // The stored events after `since` (or just the position, without `since`).
    virtual void history(const std::string& channel, std::optional<protocol::event_id> since,
                         std::function<void(history_result)> done) = 0;

    // Connected to every shard (readiness).
    virtual bool ready() const = 0;
};

}  // namespace kata::hub
