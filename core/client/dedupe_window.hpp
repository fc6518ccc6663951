#pragma once
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace kata::client {

// The last `capacity` eventIds delivered on one channel. A resubscribe with `since` can replay an
// event the application already has (the server sent it but the connection died before the next
// one); this window drops such repeats while keeping memory bounded per channel.
class dedupe_window {
  public:
    explicit dedupe_window(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    // True when `event_id` is new (and now remembered); false when it is a repeat.
    bool insert(std::string_view event_id);

    std::size_t size() const { return order_.size(); }

  private:
    std::size_t capacity_;
    std::deque<std::string> order_;         // oldest first, for eviction
    std::unordered_set<std::string> seen_;  // the same ids, for lookup
};

}  // namespace kata::client
