#include "core/protocol/command.hpp"

#include <nlohmann/json.hpp>

#include "core/protocol/error_code.hpp"

namespace kata::protocol {
namespace {

command_error fail(std::string_view code, std::string message, std::string request_id = {}) {
    return command_error{code, std::move(message), std::move(request_id)};
}

// The top-level fields of a command, read with nlohmann's SAX interface: no JSON tree is built
// (that tree was most of the cost of a command), nested values are skipped.
struct field {
    enum class state { absent, string, other } kind = state::absent;
    std::string text;
};

class command_fields final : public nlohmann::json_sax<nlohmann::json> {
  public:
    field type, channel, request_id, since;
    bool top_is_object = false;

    bool null() override { return scalar(); }
    bool boolean(bool) override { return scalar(); }
    bool number_integer(number_integer_t) override { return scalar(); }
    bool number_unsigned(number_unsigned_t) override { return scalar(); }
    bool number_float(number_float_t, const string_t&) override { return scalar(); }
    bool binary(binary_t&) override { return scalar(); }
    bool string(string_t& value) override {
        if (depth_ == 1 && current_) {
            current_->kind = field::state::string;
            current_->text = std::move(value);
        }
        return true;
    }
    bool start_object(std::size_t) override { return open(true); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& name) override {
        if (depth_ != 1) return true;
        current_ = lookup(name);
        // A field given twice is ambiguous (receivers keep the first or the last): refused.
        return current_ == nullptr || current_->kind == field::state::absent;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

  private:
    field* lookup(const std::string& name) {
        if (name == "type") return &type;
        if (name == "channel") return &channel;
        if (name == "requestId") return &request_id;
        if (name == "since") return &since;
        return nullptr;
    }
    // A non-string value of a known key at the top level.
    bool scalar() {
        if (depth_ == 1 && current_) *current_ = field{field::state::other, {}};
        return true;
    }
    bool open(bool object) {
        if (depth_ == 0) top_is_object = object;
        if (depth_ == 1 && current_) *current_ = field{field::state::other, {}};
        ++depth_;
        return true;
    }
    bool close() {
        --depth_;
        return true;
    }

    std::size_t depth_ = 0;
    field* current_ = nullptr;
};

}  // namespace

std::variant<command, command_error> parse_command(std::string_view frame) {
    command_fields doc;
    // nlohmann's lexer takes a NUL byte for the end of the input, so `{...}\0{"channel":...}`
    // would parse as its first half. A NUL is never valid JSON (outside strings it is not
    // whitespace, inside it must be escaped), so any NUL refuses the frame.
    if (frame.find('\0') != std::string_view::npos || !nlohmann::json::sax_parse(frame, &doc)) {
        return fail(error_code::invalid_json, "frame is not valid JSON");
    }
    if (!doc.top_is_object)
        return fail(error_code::invalid_command, "command must be a JSON object");
    using state = field::state;

    command cmd;
    if (doc.request_id.kind != state::absent) {
        if (doc.request_id.kind != state::string ||
            doc.request_id.text.size() > max_request_id_length) {
            return fail(error_code::invalid_command,
                        "requestId must be a string of at most 128 bytes");
        }
        cmd.request_id = std::move(doc.request_id.text);
    }
    if (doc.type.kind != state::string) {
        return fail(error_code::invalid_command, "missing string field 'type'", cmd.request_id);
    }
    const auto& type = doc.type.text;
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

    if (doc.channel.kind != state::string) {
        return fail(error_code::invalid_command, "missing string field 'channel'", cmd.request_id);
    }
    cmd.channel = parse_channel(doc.channel.text);
    if (!cmd.channel) {
        return fail(error_code::invalid_channel,
                    "channel must match (spec|agent|team):[A-Za-z0-9._-]{1,128}", cmd.request_id);
    }
    if (doc.since.kind != state::absent && cmd.type == command_type::subscribe) {
        if (doc.since.kind != state::string || doc.since.text.empty() ||
            doc.since.text.size() > max_since_length) {
            return fail(error_code::invalid_command, "since must be a non-empty eventId string",
                        cmd.request_id);
        }
        cmd.since = std::move(doc.since.text);
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
