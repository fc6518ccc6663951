#include "core/protocol/envelope_parser.hpp"

#include "core/protocol/channel.hpp"
#include "core/protocol/json_scanner.hpp"

namespace kata::protocol {
namespace {

envelope_error fail(std::string message) {
    return envelope_error{std::move(message)};
}

// A top-level string field as written: absent, a string, or another JSON value.
struct text_field {
    enum class kind { absent, string, other } state = kind::absent;
    std::string text;
    bool non_empty_string() const { return state == kind::string && !text.empty(); }
};

bool read_field(json_scanner& in, text_field& field) {
    if (in.peek() == '"') {
        field.state = text_field::kind::string;
        return in.read_string(field.text);
    }
    field.state = text_field::kind::other;
    return in.copy_value(nullptr, 1);
}

}  // namespace

// The payload is copied as the server wrote it (only whitespace outside strings dropped): the
// application receives the publisher's digits, key order and escapes, not a re-serialization.
std::variant<envelope, envelope_error> parse_envelope(std::string_view frame) {
    if (frame.size() > max_envelope_bytes) return fail("frame larger than 16 MiB");
    json_scanner in(frame, max_envelope_depth);
    text_field type, channel, timestamp, event_id, encoding;
    enum class payload_kind { absent, object, other } payload_state = payload_kind::absent;
    envelope env;
    bool is_object = in.peek() == '{';
    bool ok = true;
    if (!is_object) {
        ok = in.copy_value(nullptr, 0);
    } else if (in.begin_object(0)) {
        std::string key;
        while (ok && in.next_member(key)) {
            if (key == "type") {
                ok = read_field(in, type);
            } else if (key == "channel") {
                ok = read_field(in, channel);
            } else if (key == "timestamp") {
                ok = read_field(in, timestamp);
            } else if (key == "eventId") {
                ok = read_field(in, event_id);
            } else if (key == "encoding") {
                ok = read_field(in, encoding);
            } else if (key == "payload") {
                const bool object = in.peek() == '{';
                payload_state = object ? payload_kind::object : payload_kind::other;
                if (object) env.payload_json.clear();
                ok = in.copy_value(object ? &env.payload_json : nullptr, 1);
            } else {
                ok = in.copy_value(nullptr, 1);
            }
        }
    }
    if (in.fault() != json_fault::none || !in.at_end()) {
        if (in.fault() == json_fault::too_deep) return fail("JSON nests deeper than 64 levels");
        if (in.fault() == json_fault::duplicate_key) {
            return fail("frame is not valid JSON: duplicate key \"" + in.duplicate_key() + "\"");
        }
        return fail("frame is not valid JSON");
    }
    if (!is_object) return fail("envelope must be a JSON object");

    if (!type.non_empty_string()) return fail("missing string field 'type'");
    env.type = std::move(type.text);
    if (channel.state != text_field::kind::absent) {
        if (channel.state != text_field::kind::string) return fail("channel must be a string");
        if (!parse_channel(channel.text)) return fail("channel is outside the channel grammar");
        env.channel = std::move(channel.text);
    }
    if (!timestamp.non_empty_string()) return fail("missing string field 'timestamp'");
    env.timestamp = std::move(timestamp.text);
    if (!event_id.non_empty_string()) return fail("missing non-empty string field 'eventId'");
    env.event_id = std::move(event_id.text);
    // Other encodings are reserved for binary frames; reading one as JSON would be a guess.
    if (encoding.state != text_field::kind::string || encoding.text != "json") {
        return fail("encoding must be \"json\"");
    }
    if (payload_state != payload_kind::object) return fail("payload must be a JSON object");
    return env;
}

}  // namespace kata::protocol
