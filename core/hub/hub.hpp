#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/hub/broker.hpp"
#include "core/hub/history_budget.hpp"
#include "core/hub/history_ring.hpp"
#include "core/hub/subscriber.hpp"
#include "core/protocol/channel.hpp"
#include "core/protocol/deflate/compression_settings.hpp"
#include "core/protocol/event_id.hpp"

namespace kata::hub {

// One channel: its subscribers (worker fanouts), its history and the lock that orders its events.
class channel {
  public:
    channel(std::string name, history_ring::limits l) : name_(std::move(name)), history_(l) {}
    const std::string& name() const { return name_; }
    // Connections subscribed to this channel, over all threads (for operators and tests).
    std::size_t connection_count() const { return connections_.load(std::memory_order_relaxed); }
    void add_connections(std::ptrdiff_t n, bool deflate = false) {
        connections_.fetch_add(static_cast<std::size_t>(n), std::memory_order_relaxed);
        if (deflate)
            deflate_connections_.fetch_add(static_cast<std::size_t>(n), std::memory_order_relaxed);
    }
    // Of those, the ones that negotiated permessage-deflate: while there is one, each event is
    // also compressed, once, for all of them.
    std::size_t deflate_count() const {
        return deflate_connections_.load(std::memory_order_relaxed);
    }

  private:
    friend class hub;
    const std::string name_;
    std::mutex mutex_;
    std::vector<subscriber*> subscribers_;
    history_ring history_;
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::size_t> deflate_connections_{0};
    bool retired_ = false;  // erased from the map by sweep(); callers look the channel up again

    // With a remote broker: whether the broker sends this channel's events to this node, the
    // last one delivered here, the attaches under way (they keep the channel open) and who waits
    // for the open to be confirmed.
    enum class remote_state : std::uint8_t { closed, opening, open };
    remote_state remote_ = remote_state::closed;
    stream_position delivered_;
    std::size_t preparing_ = 0;
    std::vector<std::function<void(bool)>> open_waiters_;
};

// The outcome of attaching to a channel, taken atomically with respect to its publishes: events
// with a sequence up to `after_sequence` are in `replay` (when asked and held) or are history;
// every later event reaches the subscriber through deliver().
struct attachment {
    std::shared_ptr<channel> ch;
    std::uint64_t after_sequence = 0;
    std::optional<bool> recovered;  // set when `since` was given
    std::vector<frame> replay;      // events after `since`, oldest first (when recovered)
};

// A subscribe made ready with a remote broker: the channel is open (or the broker unavailable)
// and, for a resume, its stored events after `since` were fetched. Owned by one subscriber until
// attach_prepared() or abandon().
struct prepared {
    std::shared_ptr<channel> ch;
    bool available = false;                   // false: the broker could not open the channel
    std::optional<protocol::event_id> since;  // a well-formed `since`
    bool since_given = false;                 // `since` was sent (well-formed or not)
    std::optional<history_result> fetched;    // with a well-formed `since`
    unsigned tries = 0;
};

struct hub_settings {
    history_ring::limits history;
    std::size_t max_total_history_bytes = 256u * 1024 * 1024;  // over all channels
    protocol::deflate::compression_settings compression;
};

// The channel registry and its fanout. Thread-safe: publish, attach and detach may run
// concurrently from any thread. Each channel has its own lock, so publishes to different channels
// do not contend, and one channel's events reach every subscriber in publish order.
class hub final : public broker_sink {
  public:
    using settings = hub_settings;
    hub() : hub(hub_settings{}) {}
    explicit hub(settings s);
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    // Serializes and frames the event once and hands the shared frame to every subscriber of
    // `channel`. Returns the event's id. `payload_json` must be a serialized JSON object. With a
    // remote broker it waits until the broker stored the event (never call it from the broker's
    // thread) and throws std::runtime_error when it could not.
    std::string publish(const protocol::channel_name& channel, std::string_view type,
                        std::string_view payload_json);

    // Adds `sub` to the channel (idempotent). With `since`, also collects the held events after
    // it. `sub` must detach before it dies.
    attachment attach(const protocol::channel_name& channel, subscriber* sub,
                      const std::optional<std::string>& since);
    void detach(channel& ch, subscriber* sub);

    // With a remote broker (set once, before any publish or subscribe), publishes go through it
    // and the events of the channels held here come back through on_remote_event(); history
    // lives in the broker, not here.
    void set_broker(broker* b) { broker_ = b; }
    broker* remote() const { return broker_; }

    struct publish_item {
        const protocol::channel_name* channel;
        std::string_view type;
        std::string_view payload_json;
    };
    // Remote publish: `done` gets each event's id, or none for an event not stored.
    void publish_remote(const std::vector<publish_item>& items,
                        std::function<void(publish_result)> done);

    // Remote subscribe, first step: opens the channel in the broker when this node does not hold
    // it yet and, for a resume, fetches the events after `since`. `done` runs inline when nothing
    // needs the broker, otherwise on the broker's thread.
    void prepare(const protocol::channel_name& channel, const std::optional<std::string>& since,
                 std::function<void(prepared)> done);
    // Second step, on the subscriber's thread: attaches `sub` when what was fetched covers every
    // event this node has delivered on the channel; nullopt means fetch again (refetch()).
    std::optional<attachment> attach_prepared(prepared& p, subscriber* sub);
    // Fetches the stored events after `p.since` (again); `done` as for prepare().
    void refetch(prepared p, std::function<void(prepared)> done);
    // Gives a prepared subscribe up (cancelled, connection gone, or the broker failed).
    void abandon(prepared& p);

    void on_remote_event(std::string_view channel, const remote_event& e) override;
    // Tells the channel's subscribers here that events were lost: a `subscribed` envelope with
    // payload {"recovered": false}, in order with the channel's events.
    void on_remote_gap(std::string_view channel) override;

    std::size_t channel_count() const;
    std::size_t subscriber_count(const protocol::channel_name& channel) const;
    // The memory held for history over all channels, as history.max_total_bytes counts it.
    std::size_t history_bytes() const { return budget_.used(); }

    // An id for a control envelope (pong, subscribed, error): unique, never equal to an event's.
    std::string next_control_id();
    std::uint64_t epoch() const { return epoch_; }
    // The last sequence handed out: every event published before this call has one at most this.
    std::uint64_t last_sequence() const { return next_sequence_.load() - 1; }

    // Drops expired history, trims history to the global budget, and forgets channels with
    // neither subscribers nor history.
    void sweep(history_ring::clock::time_point now);

    // Events handed to subscribers (one per subscriber per event), read by GET /metrics.
    std::atomic<std::uint64_t> deliveries{0};
    // Gaps in a channel's remote events told to its subscribers here (once per gap, not per
    // subscriber), read by GET /metrics.
    std::atomic<std::uint64_t> remote_gaps{0};
    // Channels whose whole history the budget evicted, read by GET /metrics.
    std::atomic<std::uint64_t> channels_evicted{0};
    // Events framed here, and how many of them were also compressed (at most once each).
    std::atomic<std::uint64_t> events_framed{0};
    std::atomic<std::uint64_t> compressions{0};

    // An event's frame for `ch`: compressed too while a subscriber of the channel takes deflate.
    frame event_frame(const channel& ch, std::string_view json);

  private:
    // A channel still in the map, with its lock held. The lock is declared last so that it is
    // released before the reference is dropped: a retired channel may die with that reference.
    struct locked_channel {
        std::shared_ptr<channel> ch;
        std::unique_lock<std::mutex> lock;
    };
    // Looks `key` up (creating it when `create`) until the channel found is not retired; empty
    // `ch` when it does not exist and may not be created. Never holds a channel lock while it
    // takes the map's, the order of sweep() and trim_to_budget().
    locked_channel lock_live(const std::string& key, bool create);
    std::shared_ptr<channel> find_or_create(const std::string& key);
    std::shared_ptr<channel> find(const std::string& key) const;
    // What `ch` costs against the budget (its lock held): nothing without history, else its
    // history and the channel itself, which the history alone keeps alive.
    static std::size_t held_cost(const channel& ch);
    // Nothing keeps the channel: no subscriber, no history, not held by the broker (lock held).
    static bool idle(const channel& ch);
    // Retires those of `emptied` that are idle (none of their locks held).
    void retire_idle(const std::vector<std::shared_ptr<channel>>& emptied);
    void collect_replay(channel& ch, const std::optional<std::string>& since, attachment& out);
    void trim_to_budget();
    std::string publish_blocking(const protocol::channel_name& channel, std::string_view type,
                                 std::string_view payload_json);
    // Asks the broker to open `ch` and answers its waiters (the channel is `opening`).
    void open_remote(const std::shared_ptr<channel>& ch);
    // Closes the channel in the broker once nobody here holds or is joining it (lock held).
    void close_if_unused(channel& ch);

    const history_ring::limits history_limits_;
    const protocol::deflate::compression_settings compression_;
    const std::uint64_t epoch_;
    history_budget budget_;
    std::atomic<std::uint64_t> next_sequence_{1};
    std::atomic<std::uint64_t> next_control_{1};
    std::atomic_flag trimming_ = ATOMIC_FLAG_INIT;
    broker* broker_ = nullptr;
    mutable std::shared_mutex mutex_;  // guards channels_ (the map, not the channels)
    std::unordered_map<std::string, std::shared_ptr<channel>> channels_;
};

}  // namespace kata::hub
