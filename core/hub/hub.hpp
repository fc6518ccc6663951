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

#include "core/hub/history_ring.hpp"
#include "core/hub/subscriber.hpp"
#include "core/protocol/channel.hpp"
#include "core/protocol/event_id.hpp"

namespace kata::hub {

// The channel registry and its fanout. Thread-safe: publish, subscribe and unsubscribe may run
// concurrently from any thread. Each channel has its own lock, so publishes to different channels
// do not contend, and one channel's events reach every subscriber in publish order.
class hub {
  public:
    explicit hub(history_ring::limits history = {});
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    // Serializes the event once and hands the shared frame to every subscriber of `channel`.
    // Returns the event's id. `payload_json` must be a serialized JSON object.
    std::string publish(const protocol::channel_name& channel, std::string_view type,
                        std::string_view payload_json);

    // Builds the `subscribed` acknowledgement from the resume outcome (nullopt: no `since`).
    using ack_builder = std::function<frame(std::optional<bool> recovered)>;

    // Adds `sub` to the channel (idempotent) and delivers, atomically with respect to publishes on
    // that channel: the ack, then (with `since`) every held event after `since`, then live events.
    // `sub` must unsubscribe before it dies.
    void subscribe(const protocol::channel_name& channel, subscriber* sub,
                   const std::optional<std::string>& since, const ack_builder& ack);
    void unsubscribe(const protocol::channel_name& channel, subscriber* sub);

    std::size_t channel_count() const;
    std::size_t subscriber_count(const protocol::channel_name& channel) const;

    // An id for a control envelope (pong, subscribed, error): unique, never equal to an event's.
    std::string next_control_id();
    std::uint64_t epoch() const { return epoch_; }

    // Drops expired history and forgets channels with neither subscribers nor history.
    void sweep(history_ring::clock::time_point now);

    // Events handed to subscribers (one per subscriber per event), read by GET /metrics.
    std::atomic<std::uint64_t> deliveries{0};

  private:
    struct channel_state {
        explicit channel_state(history_ring::limits l) : history(l) {}
        std::mutex mutex;
        std::vector<subscriber*> subscribers;
        history_ring history;
        bool retired = false;  // erased from the map by sweep(); callers look the channel up again
    };

    std::shared_ptr<channel_state> find_or_create(const std::string& key);

    std::shared_ptr<channel_state> find(const std::string& key) const;

    const history_ring::limits history_limits_;
    const std::uint64_t epoch_;
    std::atomic<std::uint64_t> next_sequence_{1};
    std::atomic<std::uint64_t> next_control_{1};
    mutable std::shared_mutex mutex_;  // guards channels_ (the map, not the channels)
    std::unordered_map<std::string, std::shared_ptr<channel_state>> channels_;
};

}  // namespace kata::hub
