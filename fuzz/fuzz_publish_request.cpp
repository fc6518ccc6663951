// POST /v1/publish bodies come from backend services holding a publish key, still outside bytes.
// Properties: an accepted request holds 1 to 1000 events, each on a channel of the grammar, of a
// domain type, with an object payload (that nlohmann reads too), and writing it back as JSON
// parses to the same request, payload text included;
// a refused body always says why.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "channel_grammar.hpp"
#include "core/protocol/event_type.hpp"
#include "core/protocol/publish_request.hpp"
#include "fuzz_check.hpp"

namespace {

namespace protocol = kata::protocol;
using json = nlohmann::json;

// The payload goes back as its text: the parser forwards payloads as published (key order,
// number spelling, escapes), which a JSON DOM would rewrite.
std::string to_json(const protocol::publish_item& item) {
    return R"({"channel":)" + json(item.channel.str()).dump() + R"(,"type":)" +
           json(item.type).dump() + R"(,"payload":)" + item.payload_json + "}";
}

std::string serialize(const protocol::publish_request& request) {
    if (!request.batch) return to_json(request.items.front());
    std::string body = R"({"events":[)";
    for (std::size_t i = 0; i < request.items.size(); ++i)
        body += (i == 0 ? "" : ",") + to_json(request.items[i]);
    return body + "]}";
}

void check_accepted(const protocol::publish_request& request) {
    FUZZ_CHECK(!request.items.empty() && request.items.size() <= protocol::max_publish_batch);
    if (!request.batch) FUZZ_CHECK(request.items.size() == 1);
    for (const auto& item : request.items) {
        FUZZ_CHECK(kata::fuzz::in_channel_grammar(item.channel.str()));
        FUZZ_CHECK(protocol::is_domain_event_type(item.type));
        const auto payload = json::parse(item.payload_json, nullptr, false);
        FUZZ_CHECK(payload.is_object());
    }

    const auto again = protocol::parse_publish_request(serialize(request));
    const auto* reparsed = std::get_if<protocol::publish_request>(&again);
    FUZZ_CHECK(reparsed != nullptr);
    FUZZ_CHECK(reparsed->batch == request.batch);
    FUZZ_CHECK(reparsed->items.size() == request.items.size());
    for (std::size_t i = 0; i < request.items.size(); ++i) {
        FUZZ_CHECK(reparsed->items[i].channel == request.items[i].channel);
        FUZZ_CHECK(reparsed->items[i].type == request.items[i].type);
        FUZZ_CHECK(reparsed->items[i].payload_json == request.items[i].payload_json);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto result = protocol::parse_publish_request(body);
    if (const auto* err = std::get_if<protocol::publish_error>(&result)) {
        FUZZ_CHECK(!err->message.empty());
        return 0;
    }
    check_accepted(std::get<protocol::publish_request>(result));
    return 0;
}
