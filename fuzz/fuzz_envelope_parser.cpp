// The client's parser of server frames: a broken or hostile server must never crash the client
// or slip it a malformed event. Properties: an accepted envelope has every required field, a
// channel of the grammar and an object payload, and serialize_envelope → parse_envelope gives
// the same envelope back; a refused frame always says why.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "channel_grammar.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/envelope_parser.hpp"
#include "fuzz_check.hpp"

namespace {

namespace protocol = kata::protocol;

void check_accepted(const protocol::envelope& env) {
    FUZZ_CHECK(!env.type.empty());
    FUZZ_CHECK(!env.timestamp.empty());
    FUZZ_CHECK(!env.event_id.empty());
    if (env.channel) FUZZ_CHECK(kata::fuzz::in_channel_grammar(*env.channel));
    FUZZ_CHECK(nlohmann::json::parse(env.payload_json, nullptr, false).is_object());

    const auto text = protocol::serialize_envelope(env);
    const auto again = protocol::parse_envelope(text);
    const auto* reparsed = std::get_if<protocol::envelope>(&again);
    FUZZ_CHECK(reparsed != nullptr);
    FUZZ_CHECK(*reparsed == env);
    FUZZ_CHECK(protocol::serialize_envelope(*reparsed) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    const auto result = protocol::parse_envelope(frame);
    if (const auto* err = std::get_if<protocol::envelope_error>(&result)) {
        FUZZ_CHECK(!err->message.empty());
        return 0;
    }
    check_accepted(std::get<protocol::envelope>(result));
    return 0;
}
