#include "core/protocol/channel.hpp"

namespace kata::protocol {
namespace {

bool is_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

}  // namespace

std::string_view family_name(channel_family family) {
    switch (family) {
        case channel_family::spec:
            return "spec";
        case channel_family::agent:
            return "agent";
        case channel_family::team:
            return "team";
    }
    return "";
}

std::string channel_name::str() const {
    std::string out{family_name(family)};
    out += ':';
    out += id;
    return out;
}

std::optional<channel_name> parse_channel(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto prefix = text.substr(0, colon);
    const auto id = text.substr(colon + 1);
    channel_family family;
    if (prefix == "spec") {
        family = channel_family::spec;
    } else if (prefix == "agent") {
        family = channel_family::agent;
    } else if (prefix == "team") {
        family = channel_family::team;
    } else {
        return std::nullopt;
    }
    if (id.empty() || id.size() > max_channel_id_length) return std::nullopt;
    for (char c : id) {
        if (!is_id_char(c)) return std::nullopt;
    }
    return channel_name{family, std::string{id}};
}

}  // namespace kata::protocol
