#include "core/protocol/command.hpp"

#include <nlohmann/json.hpp>

#include "core/protocol/error_code.hpp"

namespace kata::protocol {
namespace {

command_error fail(std::string_view code, std::string message, std::string request_id = {}) {
    return command_error{code, std::move(message), std::move(request_id)};
}

}  // namespace

std::variant<command, command_error> parse_command(std::string_view frame) {
    const auto doc = nlohmann::json::parse(frame, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return fail(error_code::invalid_json, "frame is not valid JSON");
    if (!doc.is_object()) return fail(error_code::invalid_command, "command must be a JSON object");

    command cmd;
    if (const auto it = doc.find("requestId"); it != doc.end()) {
        if (!it->is_string() || it->get_ref<const std::string&>().size() > max_request_id_length) {
            return fail(error_code::invalid_command,
                        "requestId must be a string of at most 128 bytes");
        }
        cmd.request_id = it->get<std::string>();
    }
    const auto type_it = doc.find("type");
    if (type_it == doc.end() || !type_it->is_string()) {
        return fail(error_code::invalid_command, "missing string field 'type'", cmd.request_id);
    }
    const auto& type = type_it->get_ref<const std::string&>();
    if (type == "ping") {
        cmd.type = command_type::ping;
        return cmd;
    }
    if (type == "subscribe") {
        cmd.type = command_type::subscribe;
    } else if (type == "unsubscribe") {
        cmd.type = command_type::unsubscribe;
    } else {
        return fail(error_code::invalid_command, "unknown command type", cmd.request_id);
    }

    const auto channel_it = doc.find("channel");
    if (channel_it == doc.end() || !channel_it->is_string()) {
        return fail(error_code::invalid_command, "missing string field 'channel'", cmd.request_id);
    }
    cmd.channel = parse_channel(channel_it->get_ref<const std::string&>());
    if (!cmd.channel) {
        return fail(error_code::invalid_channel,
                    "channel must match (spec|agent|team):[A-Za-z0-9._-]{1,128}", cmd.request_id);
    }
    if (const auto it = doc.find("since"); it != doc.end() && cmd.type == command_type::subscribe) {
        if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
            it->get_ref<const std::string&>().size() > max_since_length) {
            return fail(error_code::invalid_command, "since must be a non-empty eventId string",
                        cmd.request_id);
        }
        cmd.since = it->get<std::string>();
    }
    return cmd;
}

std::string serialize_command(const command& cmd) {
    nlohmann::json doc;
    switch (cmd.type) {
        case command_type::subscribe:
            doc["type"] = "subscribe";
            break;
        case command_type::unsubscribe:
            doc["type"] = "unsubscribe";
            break;
        case command_type::ping:
            doc["type"] = "ping";
            break;
    }
    if (cmd.channel && cmd.type != command_type::ping) doc["channel"] = cmd.channel->str();
    if (!cmd.request_id.empty()) doc["requestId"] = cmd.request_id;
    if (cmd.since && cmd.type == command_type::subscribe) doc["since"] = *cmd.since;
    return doc.dump();
}

}  // namespace kata::protocol
