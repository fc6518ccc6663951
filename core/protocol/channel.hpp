#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kata::protocol {

enum class channel_family { spec, agent, team };

// A channel name that matched ^(spec|agent|team):[A-Za-z0-9._-]{1,128}$.
struct channel_name {
    channel_family family;
    std::string id;

    std::string str() const;
    bool operator==(const channel_name&) const = default;
};

inline constexpr std::size_t max_channel_id_length = 128;

// Parses a channel name; nullopt for anything outside the grammar.
std::optional<channel_name> parse_channel(std::string_view text);

std::string_view family_name(channel_family family);

}  // namespace kata::protocol
