#include "core/protocol/publish_request.hpp"

#include <nlohmann/json.hpp>

#include "core/protocol/event_type.hpp"
#include "core/protocol/json_depth.hpp"

namespace kata::protocol {
namespace {

// Payloads are re-serialized with dump(), which recurses per nesting level: without a bound, a
// body of nested brackets well under the size limit overflows the stack. 64 leaves room for any
// real event (body, events array, item, payload) while keeping recursion shallow.
constexpr std::size_t max_publish_depth = 64;

std::variant<publish_item, publish_error> parse_item(const nlohmann::json& doc, std::string where) {
    if (!doc.is_object()) return publish_error{where + "must be a JSON object"};
    const auto channel_it = doc.find("channel");
    if (channel_it == doc.end() || !channel_it->is_string()) {
        return publish_error{where + "missing string field 'channel'"};
    }
    auto channel = parse_channel(channel_it->get_ref<const std::string&>());
    if (!channel) return publish_error{where + "channel is outside the channel grammar"};
    const auto type_it = doc.find("type");
    if (type_it == doc.end() || !type_it->is_string() ||
        !is_domain_event_type(type_it->get_ref<const std::string&>())) {
        return publish_error{where +
                             "type must be one of agent_status_changed, log_entry, spec_updated, "
                             "task_completed, blocker_raised"};
    }
    std::string payload = "{}";
    if (const auto it = doc.find("payload"); it != doc.end()) {
        if (!it->is_object()) return publish_error{where + "payload must be a JSON object"};
        payload = it->dump();
    }
    return publish_item{std::move(*channel), type_it->get<std::string>(), std::move(payload)};
}

}  // namespace

std::variant<publish_request, publish_error> parse_publish_request(std::string_view body) {
    if (nests_deeper_than(body, max_publish_depth)) {
        return publish_error{"body nests deeper than 64 levels"};
    }
    const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return publish_error{"body is not valid JSON"};
    if (!doc.is_object()) return publish_error{"body must be a JSON object"};
    publish_request request;
    const auto events_it = doc.find("events");
    if (events_it == doc.end()) {
        auto item = parse_item(doc, "");
        if (auto* err = std::get_if<publish_error>(&item)) return std::move(*err);
        request.items.push_back(std::move(std::get<publish_item>(item)));
        return request;
    }
    request.batch = true;
    if (!events_it->is_array() || events_it->empty()) {
        return publish_error{"events must be a non-empty array"};
    }
    if (events_it->size() > max_publish_batch) {
        return publish_error{"events holds more than 1000 events"};
    }
    request.items.reserve(events_it->size());
    for (std::size_t i = 0; i < events_it->size(); ++i) {
        auto item = parse_item((*events_it)[i], "events[" + std::to_string(i) + "]: ");
        if (auto* err = std::get_if<publish_error>(&item)) return std::move(*err);
        request.items.push_back(std::move(std::get<publish_item>(item)));
    }
    return request;
}

}  // namespace kata::protocol
