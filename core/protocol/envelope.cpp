#include "core/protocol/envelope.hpp"

namespace kata::protocol {

std::string serialize_envelope(const envelope& env) {
    std::string out;
    out.reserve(96 + env.type.size() + env.event_id.size() + env.payload_json.size() +
                (env.channel ? env.channel->size() : 0));
    out += R"({"type":")";
    out += env.type;
    out += '"';
    if (env.channel) {
        out += R"(,"channel":")";
        out += *env.channel;
        out += '"';
    }
    out += R"(,"timestamp":")";
    out += env.timestamp;
    out += R"(","eventId":")";
    out += env.event_id;
    out += R"(","encoding":"json","payload":)";
    out += env.payload_json;
    out += '}';
    return out;
}

}  // namespace kata::protocol
