#include "core/protocol/event_id.hpp"

#include <charconv>
#include <cstdio>
#include <random>

namespace kata::protocol {

std::string event_id::str() const {
    // "evt_%016llx_%llu", written by hand: every publish names one, and printf's format parsing
    // was a visible share of the publish path.
    static constexpr char hex[] = "0123456789abcdef";
    char buf[64] = "evt_";
    for (int i = 0; i < 16; ++i)
        buf[4 + i] = hex[(epoch >> (60 - 4 * i)) & 0xf];
    buf[20] = '_';
    const auto end = std::to_chars(buf + 21, buf + sizeof buf, sequence).ptr;
    return std::string(buf, end);
}

std::optional<event_id> parse_event_id(std::string_view text) {
    constexpr std::string_view prefix = "evt_";
    if (text.size() < prefix.size() + 16 + 2 || text.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    text.remove_prefix(prefix.size());
    const auto epoch_text = text.substr(0, 16);
    if (text[16] != '_') return std::nullopt;
    const auto seq_text = text.substr(17);
    if (seq_text.empty() || seq_text.size() > 20) return std::nullopt;
    event_id id;
    for (char c : epoch_text) {
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (!hex) return std::nullopt;
    }
    auto r = std::from_chars(epoch_text.data(), epoch_text.data() + 16, id.epoch, 16);
    if (r.ec != std::errc{} || r.ptr != epoch_text.data() + 16) return std::nullopt;
    if (seq_text.size() > 1 && seq_text[0] == '0') return std::nullopt;  // one spelling per id
    r = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), id.sequence, 10);
    if (r.ec != std::errc{} || r.ptr != seq_text.data() + seq_text.size()) return std::nullopt;
    return id;
}

std::uint64_t random_epoch() {
    std::random_device rd;
    std::uint64_t epoch = 0;
    while (epoch == 0)
        epoch = (std::uint64_t{rd()} << 32) ^ rd();
    return epoch;
}

}  // namespace kata::protocol
