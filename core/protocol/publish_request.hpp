#pragma once
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/protocol/channel.hpp"

namespace kata::protocol {

// One event of a POST /v1/publish body.
struct publish_item {
    channel_name channel;
    std::string type;          // one of domain_event_types
    std::string payload_json;  // a serialized JSON object
};

struct publish_request {
    bool batch = false;  // the body used {"events":[...]}
    std::vector<publish_item> items;
};

struct publish_error {
    std::string message;
};

inline constexpr std::size_t max_publish_batch = 1000;

std::variant<publish_request, publish_error> parse_publish_request(std::string_view body);

}  // namespace kata::protocol
