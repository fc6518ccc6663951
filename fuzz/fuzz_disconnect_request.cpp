// POST /v1/disconnect bodies come from whoever holds an admin key, and the same text travels
// between nodes through Redis: outside bytes twice over.
// Properties: an accepted body names exactly one non-empty target (a digest as 64 lowercase hex
// digits), an optional channel of the grammar, and writing it back as JSON parses to the same
// target; a refused body always says why.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "channel_grammar.hpp"
#include "core/auth/disconnect_request.hpp"
#include "fuzz_check.hpp"

namespace {

namespace auth = kata::auth;

bool lowercase_hex(std::string_view s) {
    for (const char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto result = auth::parse_disconnect_request(body);
    if (const auto* why = std::get_if<std::string>(&result)) {
        FUZZ_CHECK(!why->empty());
        return 0;
    }
    const auto& target = std::get<auth::disconnect_target>(result);
    FUZZ_CHECK(!target.value.empty());
    if (target.by == auth::disconnect_target::field::sha256)
        FUZZ_CHECK(target.value.size() == 64 && lowercase_hex(target.value));
    if (target.channel) FUZZ_CHECK(kata::fuzz::in_channel_grammar(*target.channel));

    const auto again = auth::parse_disconnect_request(auth::disconnect_json(target));
    const auto* reparsed = std::get_if<auth::disconnect_target>(&again);
    FUZZ_CHECK(reparsed != nullptr && *reparsed == target);
    return 0;
}
