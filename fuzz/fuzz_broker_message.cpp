// What a node reads from Redis: pub/sub payloads and stream entries. Redis is shared, so these
// bytes may come from anything that can PUBLISH or XADD there. The first input byte picks the
// form; for a stream entry the rest is split at NUL bytes into the id and the field/value list.
// Properties: an accepted payload prints back to the very bytes it was parsed from; an accepted
// entry has a positive sequence that is its id, and a non-empty envelope of its declared size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/redis/broker_message.hpp"
#include "fuzz_check.hpp"

namespace redis = kata::redis;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool entry_form = data[0] & 1;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

    if (!entry_form) {
        const auto m = redis::parse_broker_message(text);
        if (!m) return 0;
        FUZZ_CHECK(m->epoch != 0 && m->sequence != 0 && !m->envelope.empty());
        FUZZ_CHECK(redis::format_broker_message(*m) == text);
        return 0;
    }

    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '\0') {
            parts.emplace_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    std::vector<redis::redis_reply> fields;
    for (std::size_t i = 1; i < parts.size(); ++i)
        fields.push_back(redis::redis_reply::make_string(parts[i]));
    // Bit 1 of the first byte makes the field list a nested array, as a foreign writer could.
    if (data[0] & 2) fields = {redis::redis_reply::make_array(std::move(fields))};
    const auto reply = redis::redis_reply::make_array(
        {redis::redis_reply::make_string(parts[0]), redis::redis_reply::make_array(fields)});
    const auto e = redis::parse_stream_entry(reply);
    if (!e) return 0;
    FUZZ_CHECK(e->sequence > 0 && !e->envelope.empty() && e->time_ms >= 0);
    FUZZ_CHECK(parts[0] == std::to_string(e->sequence) + "-0");
    return 0;
}
