// Channel names come straight from client frames and publish bodies. Properties: parse_channel
// accepts exactly the grammar (checked both ways against an independent statement of it), and
// an accepted name prints back to the very bytes it was parsed from.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "channel_grammar.hpp"
#include "core/protocol/channel.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = kata::protocol::parse_channel(text);
    FUZZ_CHECK(parsed.has_value() == kata::fuzz::in_channel_grammar(text));
    if (!parsed) return 0;

    FUZZ_CHECK(!parsed->id.empty());
    FUZZ_CHECK(parsed->id.size() <= kata::protocol::max_channel_id_length);
    const auto printed = parsed->str();
    FUZZ_CHECK(printed == text);
    const auto again = kata::protocol::parse_channel(printed);
    FUZZ_CHECK(again.has_value() && *again == *parsed);
    return 0;
}
