#include "core/protocol/envelope.hpp"

#include <nlohmann/json.hpp>

namespace kata::protocol {
namespace {

// Whether `s` may sit between JSON quotes unchanged: no quote, backslash or control character.
bool needs_no_escaping(std::string_view s) {
    for (const char c : s) {
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
    }
    return true;
}

// Every field the server fills in itself (type list, channel grammar, timestamp, ids) takes the
// fast path. The slow path exists because the client re-serializes envelopes a server sent
// (`kata-rt subscribe` prints them), and a hostile `type` or `eventId` holding a quote must not
// become broken or injected JSON (found by fuzz_envelope_parser). `replace` because a string that
// did not come through the JSON parser may hold invalid UTF-8, and this must never throw.
void append_string(std::string& out, std::string_view s) {
    if (needs_no_escaping(s)) {
        out += '"';
        out += s;
        out += '"';
        return;
    }
    out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string serialize_envelope(const envelope& env) {
    std::string out;
    serialize_envelope_into(env, out);
    return out;
}

void serialize_envelope_into(const envelope& env, std::string& out) {
    out.clear();
    out.reserve(96 + env.type.size() + env.event_id.size() + env.payload_json.size() +
                (env.channel ? env.channel->size() : 0));
    out += R"({"type":)";
    append_string(out, env.type);
    if (env.channel) {
        out += R"(,"channel":)";
        append_string(out, *env.channel);
    }
    out += R"(,"timestamp":)";
    append_string(out, env.timestamp);
    out += R"(,"eventId":)";
    append_string(out, env.event_id);
    out += R"(,"encoding":"json","payload":)";
    out += env.payload_json;
    out += '}';
}

}  // namespace kata::protocol
