#include "core/auth/disconnect_request.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/protocol/channel.hpp"
#include "core/protocol/json_depth.hpp"

namespace kata::auth {
namespace {

using json = nlohmann::json;
using field = disconnect_target::field;

constexpr std::array<field, 4> fields = {field::user, field::key_id, field::team, field::sha256};
constexpr std::size_t max_value_length = 256;

bool is_hex_digest(std::string_view s) {
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

std::string_view field_name(field f) {
    switch (f) {
        case field::user:
            return "user";
        case field::key_id:
            return "key_id";
        case field::team:
            return "team";
        case field::sha256:
            return "sha256";
    }
    return "user";
}

std::variant<disconnect_target, std::string> parse_disconnect_request(std::string_view body) {
    if (protocol::nests_deeper_than(body, 8)) return std::string("the body is nested too deeply");
    const json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return std::string(
            "the body must be a JSON object with one of \"user\", \"key_id\", \"team\", "
            "\"sha256\"");
    }
    disconnect_target t;
    int named = 0;
    for (const auto& item : doc.items()) {
        // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture
        // one in the lambda below.
        const std::string& key = item.key();
        const auto& value = item.value();
        if (key == "channel") {
            if (!value.is_string() || !protocol::parse_channel(value.get<std::string>())) {
                return std::string("\"channel\" must be a channel name such as \"team:t1\"");
            }
            t.channel = value.get<std::string>();
            continue;
        }
        const auto f = std::find_if(fields.begin(), fields.end(),
                                    [&](field x) { return field_name(x) == key; });
        if (f == fields.end()) return "unknown field \"" + key + "\"";
        if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
            value.get_ref<const std::string&>().size() > max_value_length) {
            return "\"" + key + "\" must be a non-empty string of at most 256 characters";
        }
        ++named;
        t.by = *f;
        t.value = value.get<std::string>();
    }
    if (named != 1) {
        return std::string("give exactly one of \"user\", \"key_id\", \"team\", \"sha256\"");
    }
    if (t.by == field::sha256) {
        if (!is_hex_digest(t.value)) {
            return std::string("\"sha256\" must be the credential's SHA-256 digest: 64 hex digits");
        }
        std::transform(t.value.begin(), t.value.end(), t.value.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    return t;
}

std::string disconnect_json(const disconnect_target& t) {
    json doc = json::object();
    doc[std::string(field_name(t.by))] = t.value;
    if (t.channel) doc["channel"] = *t.channel;
    return doc.dump();
}

bool disconnect_matches(const disconnect_target& t, const principal& who, credential_kind kind,
                        std::string_view sha256_hex) {
    switch (t.by) {
        case field::user:
            return kind == credential_kind::session && who.id == t.value;
        case field::key_id:
            return kind == credential_kind::api_key && who.id == t.value;
        case field::team:
            return who.team == t.value;
        case field::sha256:
            return sha256_hex == t.value;
    }
    return false;
}

}  // namespace kata::auth
