#include "load/accounting.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace kata::load {

bool subscriber_tally::seen(std::uint64_t seq) const {
    const auto word = seq / 64;
    return word < bits_.size() && (bits_[word] >> (seq % 64) & 1U) != 0;
}

std::uint64_t subscriber_tally::distinct_below(std::uint64_t limit) const {
    std::uint64_t n = 0;
    const std::size_t full =
        static_cast<std::size_t>(std::min<std::uint64_t>(limit / 64, bits_.size()));
    for (std::size_t w = 0; w < full; ++w)
        n += std::popcount(bits_[w]);
    if (full < bits_.size() && limit % 64 != 0) {
        const std::uint64_t mask = (std::uint64_t{1} << (limit % 64)) - 1;
        n += std::popcount(bits_[full] & mask);
    }
    return n;
}

delivery_kind subscriber_tally::record(std::uint64_t seq) {
    const auto word = seq / 64;
    if (word >= bits_.size()) bits_.resize(std::max<std::size_t>(word + 1, bits_.size() * 2), 0);
    const std::uint64_t mask = std::uint64_t{1} << (seq % 64);
    if ((bits_[word] & mask) != 0) {
        ++duplicated_;
        return delivery_kind::duplicated;
    }
    bits_[word] |= mask;
    ++distinct_;
    if (seq < next_expected_) {
        ++reordered_;
        return delivery_kind::reordered;
    }
    next_expected_ = seq + 1;
    return delivery_kind::in_order;
}

delivery_totals total_deliveries(const std::vector<std::uint64_t>& events_per_channel,
                                 const std::vector<std::size_t>& channel_of,
                                 const std::vector<subscriber_tally>& tallies) {
    if (channel_of.size() != tallies.size()) {
        throw std::invalid_argument("total_deliveries: one channel per subscriber");
    }
    delivery_totals totals;
    for (std::size_t s = 0; s < tallies.size(); ++s) {
        const auto& tally = tallies[s];
        const std::size_t channel = channel_of[s];
        const std::uint64_t sent =
            channel < events_per_channel.size() ? events_per_channel[channel] : 0;
        // Only sequence numbers the publisher really sent count as delivered: anything else is
        // a server bug (or a stranger publishing on the channel), reported apart so it cannot
        // hide a loss.
        const std::uint64_t got = tally.distinct_below(sent);
        totals.delivered += got;
        totals.lost += sent - got;
        totals.unexpected += tally.distinct() - got;
        totals.expected += sent;
        totals.duplicated += tally.duplicated();
        totals.reordered += tally.reordered();
    }
    return totals;
}

}  // namespace kata::load
