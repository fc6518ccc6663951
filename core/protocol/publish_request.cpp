#include "core/protocol/publish_request.hpp"

#include <optional>

#include "core/protocol/event_type.hpp"
#include "core/protocol/json_scanner.hpp"

namespace kata::protocol {
namespace {

// Bounds recursion in the scanner; 64 leaves room for any real event (body, events array, item,
// payload) while keeping the stack shallow.
constexpr std::size_t max_publish_depth = 64;

// A field as written, before validation: the whole body is checked as JSON first, so a syntax
// error anywhere answers "not valid JSON" rather than whatever field came first.
struct raw_field {
    enum class kind { absent, string, other } state = kind::absent;
    std::string text;
};

struct raw_item {
    bool is_object = false;
    raw_field channel, type;
    enum class payload_kind { absent, object, other } payload_state = payload_kind::absent;
    std::string payload;  // the payload's own text, whitespace outside strings removed
};

struct raw_events {
    bool present = false;
    bool is_array = false;
    std::vector<raw_item> items;
    std::size_t count = 0;  // items beyond the batch limit are validated, not kept
};

bool read_field(json_scanner& in, std::size_t depth, raw_field& field) {
    if (in.peek() == '"') {
        field.state = raw_field::kind::string;
        return in.read_string(field.text);
    }
    field.state = raw_field::kind::other;
    return in.copy_value(nullptr, depth);
}

bool read_events(json_scanner& in, std::size_t depth, raw_events& events);

// Reads one event object (or anything else, validated and marked as not an object). `events` is
// where the top-level body keeps its "events" member; items have none.
bool read_item(json_scanner& in, std::size_t depth, raw_item& item, raw_events* events) {
    if (in.peek() != '{') return in.copy_value(nullptr, depth);
    item.is_object = true;
    if (!in.begin_object(depth)) return false;
    std::string key;
    bool ok = true;
    while (ok && in.next_member(key)) {
        if (key == "channel") {
            ok = read_field(in, depth + 1, item.channel);
        } else if (key == "type") {
            ok = read_field(in, depth + 1, item.type);
        } else if (key == "payload") {
            const bool object = in.peek() == '{';
            item.payload_state =
                object ? raw_item::payload_kind::object : raw_item::payload_kind::other;
            ok = in.copy_value(object ? &item.payload : nullptr, depth + 1);
        } else if (key == "events" && events != nullptr) {
            ok = read_events(in, depth + 1, *events);
        } else {
            ok = in.copy_value(nullptr, depth + 1);
        }
    }
    return in.fault() == json_fault::none;
}

bool read_events(json_scanner& in, std::size_t depth, raw_events& events) {
    events.present = true;
    if (in.peek() != '[') return in.copy_value(nullptr, depth);
    events.is_array = true;
    if (!in.begin_array(depth)) return false;
    while (in.next_element()) {
        ++events.count;
        if (events.count > max_publish_batch) {
            if (!in.copy_value(nullptr, depth + 1)) return false;
            continue;
        }
        if (!read_item(in, depth + 1, events.items.emplace_back(), nullptr)) return false;
    }
    return in.fault() == json_fault::none;
}

// Why `raw` is not a valid event (without the "events[i]: " prefix, which only an error pays for),
// or nullopt with `item` filled in.
std::optional<std::string> check_item(raw_item& raw, publish_item& item) {
    if (!raw.is_object) return "must be a JSON object";
    if (raw.channel.state != raw_field::kind::string) return "missing string field 'channel'";
    auto channel = parse_channel(raw.channel.text);
    if (!channel) return "channel is outside the channel grammar";
    if (raw.type.state != raw_field::kind::string || !is_domain_event_type(raw.type.text)) {
        return "type must be one of agent_status_changed, log_entry, spec_updated, "
               "task_completed, blocker_raised";
    }
    if (raw.payload_state == raw_item::payload_kind::other) return "payload must be a JSON object";
    item.channel = std::move(*channel);
    item.type = std::move(raw.type.text);
    item.payload_json =
        raw.payload_state == raw_item::payload_kind::object ? std::move(raw.payload) : "{}";
    return std::nullopt;
}

}  // namespace

std::variant<publish_request, publish_error> parse_publish_request(std::string_view body) {
    json_scanner in(body, max_publish_depth);
    raw_item top;
    raw_events events;
    // Anything after the value but whitespace (a NUL and a second object, say) is refused: a
    // proxy in front may read the body differently from us.
    if (!read_item(in, 0, top, &events) || !in.at_end()) {
        switch (in.fault()) {
            case json_fault::too_deep:
                return publish_error{"body nests deeper than 64 levels"};
            case json_fault::duplicate_key:
                return publish_error{"body is not valid JSON: duplicate key \"" +
                                     in.duplicate_key() + "\""};
            default:
                return publish_error{"body is not valid JSON"};
        }
    }
    if (!top.is_object) return publish_error{"body must be a JSON object"};

    publish_request request;
    if (!events.present) {
        auto& item = request.items.emplace_back();
        if (auto err = check_item(top, item)) return publish_error{std::move(*err)};
        return request;
    }
    request.batch = true;
    if (!events.is_array || events.count == 0) {
        return publish_error{"events must be a non-empty array"};
    }
    if (events.count > max_publish_batch) {
        return publish_error{"events holds more than 1000 events"};
    }
    request.items.resize(events.items.size());
    for (std::size_t i = 0; i < events.items.size(); ++i) {
        if (auto err = check_item(events.items[i], request.items[i])) {
            return publish_error{"events[" + std::to_string(i) + "]: " + *err};
        }
    }
    return request;
}

}  // namespace kata::protocol
