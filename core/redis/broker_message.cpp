#include "core/redis/broker_message.hpp"

#include <charconv>
#include <cstdio>

namespace kata::redis {

std::string format_epoch(std::uint64_t epoch) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(epoch));
    return std::string(buf, 16);
}

std::optional<std::uint64_t> parse_epoch(std::string_view text) {
    if (text.size() != 16) return std::nullopt;
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    std::uint64_t epoch = 0;
    std::from_chars(text.data(), text.data() + text.size(), epoch, 16);
    if (epoch == 0) return std::nullopt;  // 0 means "no events yet" in stream_position
    return epoch;
}

std::optional<std::uint64_t> parse_sequence(std::string_view text) {
    if (text.empty() || text.size() > 20 || text[0] == '0') return std::nullopt;
    std::uint64_t seq = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), seq, 10);
    if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) return std::nullopt;
    return seq;
}

std::string format_broker_message(const hub::remote_event& e) {
    return format_epoch(e.epoch) + ' ' + std::to_string(e.sequence) + ' ' + e.envelope;
}

std::optional<hub::remote_event> parse_broker_message(std::string_view payload) {
    if (payload.size() < 16 + 1 || payload[16] != ' ') return std::nullopt;
    const auto epoch = parse_epoch(payload.substr(0, 16));
    if (!epoch) return std::nullopt;
    payload.remove_prefix(17);
    const auto space = payload.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const auto seq = parse_sequence(payload.substr(0, space));
    if (!seq) return std::nullopt;
    const auto envelope = payload.substr(space + 1);
    if (envelope.empty()) return std::nullopt;
    return hub::remote_event{*epoch, *seq, std::string(envelope)};
}

std::optional<stream_entry> parse_stream_entry(const redis_reply& entry) {
    if (!entry.is_array() || entry.elements.size() != 2) return std::nullopt;
    const auto& id = entry.elements[0];
    const auto& fields = entry.elements[1];
    if (!id.is_string() || !fields.is_array() || fields.elements.size() % 2 != 0)
        return std::nullopt;
    // Our ids are always "<sequence>-0": the script gives the sequence as the stream id.
    const std::string_view id_text = id.str;
    if (id_text.size() < 3 || id_text.substr(id_text.size() - 2) != "-0") return std::nullopt;
    const auto seq = parse_sequence(id_text.substr(0, id_text.size() - 2));
    if (!seq) return std::nullopt;

    stream_entry out;
    out.sequence = *seq;
    bool has_e = false, has_t = false, has_b = false;
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < fields.elements.size(); i += 2) {
        const auto& name = fields.elements[i];
        const auto& value = fields.elements[i + 1];
        if (!name.is_string() || !value.is_string()) return std::nullopt;
        const std::string_view v = value.str;
        if (name.str == "e" && !has_e) {
            out.envelope = value.str;
            has_e = true;
        } else if (name.str == "t" && !has_t) {
            const auto r = std::from_chars(v.data(), v.data() + v.size(), out.time_ms);
            if (v.empty() || r.ec != std::errc{} || r.ptr != v.data() + v.size() || out.time_ms < 0)
                return std::nullopt;
            has_t = true;
        } else if (name.str == "b" && !has_b) {
            const auto r = std::from_chars(v.data(), v.data() + v.size(), bytes);
            if (v.empty() || r.ec != std::errc{} || r.ptr != v.data() + v.size())
                return std::nullopt;
            has_b = true;
        } else {
            return std::nullopt;  // a duplicate or foreign field: not an entry we wrote
        }
    }
    if (!has_e || !has_t || !has_b || out.envelope.empty() || bytes != out.envelope.size())
        return std::nullopt;
    return out;
}

}  // namespace kata::redis
