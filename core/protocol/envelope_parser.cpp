#include "core/protocol/envelope_parser.hpp"

#include <nlohmann/json.hpp>

#include "core/protocol/channel.hpp"
#include "core/protocol/json_depth.hpp"

namespace kata::protocol {
namespace {

envelope_error fail(std::string message) {
    return envelope_error{std::move(message)};
}

// The string at `key`, or nullptr when it is absent or not a string.
const std::string* string_field(const nlohmann::json& doc, const char* key) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) return nullptr;
    return &it->get_ref<const std::string&>();
}

}  // namespace

std::variant<envelope, envelope_error> parse_envelope(std::string_view frame) {
    if (frame.size() > max_envelope_bytes) return fail("frame larger than 16 MiB");
    if (nests_deeper_than(frame, max_envelope_depth))
        return fail("JSON nests deeper than 64 levels");
    // allow_exceptions=false covers syntax errors; the catch covers what nlohmann can still throw
    // (e.g. dump() of invalid UTF-8 inside a string), because a bad frame must never end the
    // client.
    try {
        const auto doc = nlohmann::json::parse(frame, nullptr, /*allow_exceptions=*/false);
        if (doc.is_discarded()) return fail("frame is not valid JSON");
        if (!doc.is_object()) return fail("envelope must be a JSON object");

        envelope env;
        const auto* type = string_field(doc, "type");
        if (type == nullptr || type->empty()) return fail("missing string field 'type'");
        env.type = *type;

        if (const auto it = doc.find("channel"); it != doc.end()) {
            if (!it->is_string()) return fail("channel must be a string");
            const auto& text = it->get_ref<const std::string&>();
            if (!parse_channel(text)) return fail("channel is outside the channel grammar");
            env.channel = text;
        }

        const auto* timestamp = string_field(doc, "timestamp");
        if (timestamp == nullptr || timestamp->empty()) {
            return fail("missing string field 'timestamp'");
        }
        env.timestamp = *timestamp;

        const auto* event_id = string_field(doc, "eventId");
        if (event_id == nullptr || event_id->empty()) {
            return fail("missing non-empty string field 'eventId'");
        }
        env.event_id = *event_id;

        // Other encodings are reserved for binary frames; reading one as JSON would be a guess.
        const auto* encoding = string_field(doc, "encoding");
        if (encoding == nullptr || *encoding != "json") return fail("encoding must be \"json\"");

        const auto payload = doc.find("payload");
        if (payload == doc.end() || !payload->is_object()) {
            return fail("payload must be a JSON object");
        }
        env.payload_json = payload->dump();
        return env;
    } catch (const std::exception& e) {
        return fail(std::string{"malformed envelope: "} + e.what());
    }
}

}  // namespace kata::protocol
