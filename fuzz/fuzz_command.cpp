// Client command frames are the main untrusted input of a connection. Properties: an accepted
// command is well formed and survives serialize_command → parse_command unchanged; a refused one
// always names a protocol error code and a message.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "channel_grammar.hpp"
#include "core/protocol/command.hpp"
#include "core/protocol/error_code.hpp"
#include "fuzz_check.hpp"

namespace {

namespace protocol = kata::protocol;

bool is_command_error_code(std::string_view code) {
    return code == protocol::error_code::invalid_json ||
           code == protocol::error_code::invalid_command ||
           code == protocol::error_code::invalid_channel;
}

void check_accepted(const protocol::command& cmd) {
    FUZZ_CHECK(cmd.request_id.size() <= protocol::max_request_id_length);
    if (cmd.type == protocol::command_type::ping) {
        FUZZ_CHECK(!cmd.channel.has_value());
    } else {
        FUZZ_CHECK(cmd.channel.has_value());
        FUZZ_CHECK(kata::fuzz::in_channel_grammar(cmd.channel->str()));
    }
    if (cmd.since) {
        FUZZ_CHECK(cmd.type == protocol::command_type::subscribe);
        FUZZ_CHECK(!cmd.since->empty() && cmd.since->size() <= protocol::max_since_length);
    }

    const auto text = protocol::serialize_command(cmd);
    const auto again = protocol::parse_command(text);
    const auto* reparsed = std::get_if<protocol::command>(&again);
    FUZZ_CHECK(reparsed != nullptr);
    FUZZ_CHECK(*reparsed == cmd);
    FUZZ_CHECK(protocol::serialize_command(*reparsed) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    const auto result = protocol::parse_command(frame);
    if (const auto* err = std::get_if<protocol::command_error>(&result)) {
        FUZZ_CHECK(is_command_error_code(err->code));
        FUZZ_CHECK(!err->message.empty());
        FUZZ_CHECK(err->request_id.size() <= protocol::max_request_id_length);
        return 0;
    }
    check_accepted(std::get<protocol::command>(result));
    return 0;
}
