#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kata::protocol {

// evt_<epoch:16 hex>_<sequence:decimal>. The epoch is random per server start, so ids never repeat
// across restarts and an id from an earlier run is recognisably foreign; the sequence is global and
// increasing, so a channel's history (ordered by sequence) finds an id by binary search.
struct event_id {
    std::uint64_t epoch = 0;
    std::uint64_t sequence = 0;

    std::string str() const;
    bool operator==(const event_id&) const = default;
};

std::optional<event_id> parse_event_id(std::string_view text);

// A fresh random epoch (never 0).
std::uint64_t random_epoch();

}  // namespace kata::protocol
