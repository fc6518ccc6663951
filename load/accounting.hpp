#pragma once
#include <cstdint>
#include <map>
#include <vector>

namespace kata::load {

// What one delivery was, judged against what the subscriber saw before on its channel.
enum class delivery_kind {
    in_order,    // first time, and after every sequence number seen so far
    reordered,   // first time, but a later sequence number arrived before it
    duplicated,  // seen before: the server delivered it twice
};

// The exact record of one subscriber on one channel: which sequence numbers (0, 1, 2, ... as the
// publisher numbers a channel's events) arrived, as a bitmap, so a duplicate is told from a late
// arrival and "lost" is exact rather than inferred from a counter.
class subscriber_tally {
  public:
    delivery_kind record(std::uint64_t seq);

    std::uint64_t distinct() const { return distinct_; }
    std::uint64_t duplicated() const { return duplicated_; }
    std::uint64_t reordered() const { return reordered_; }
    bool seen(std::uint64_t seq) const;
    // How many distinct sequence numbers below `limit` arrived.
    std::uint64_t distinct_below(std::uint64_t limit) const;

  private:
    std::vector<std::uint64_t> bits_;
    std::uint64_t distinct_ = 0;
    std::uint64_t duplicated_ = 0;
    std::uint64_t reordered_ = 0;
    std::uint64_t next_expected_ = 0;  // one past the highest sequence number seen
};

// Run-wide delivery totals. `expected` = sum over channels of events published on it (attempted)
// times the subscribers planned on it; every expected delivery that never arrived is lost,
// whatever the cause (publish refused, connection dropped or never made, server crashed).
struct delivery_totals {
    std::uint64_t expected = 0;
    std::uint64_t delivered = 0;  // distinct (subscriber, event) pairs that arrived
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t unexpected = 0;  // sequence numbers the publisher never sent on that channel
};

// Sums the tallies. `events_per_channel[c]` is how many events were sent on channel c (their
// sequence numbers are 0..n-1); `channel_of[s]` is the channel subscriber s was planned on.
delivery_totals total_deliveries(const std::vector<std::uint64_t>& events_per_channel,
                                 const std::vector<std::size_t>& channel_of,
                                 const std::vector<subscriber_tally>& tallies);

// Connections closed during the run that the load client did not ask to close, by close code;
// 1006 stands for "no close frame" (reset, EOF, timeout), as in RFC 6455.
using disconnect_counts = std::map<std::uint16_t, std::uint64_t>;

}  // namespace kata::load
