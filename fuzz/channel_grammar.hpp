#pragma once
// An independent statement of the channel grammar ^(spec|agent|team):[A-Za-z0-9._-]{1,128}$,
// written differently from parse_channel (literal prefixes and an explicit alphabet instead of a
// split on ':' and character ranges) so one bug cannot hide in both.
#include <array>
#include <string_view>

namespace kata::fuzz {

inline bool in_channel_grammar(std::string_view text) {
    constexpr std::array<std::string_view, 3> prefixes{"spec:", "agent:", "team:"};
    constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
    for (const auto prefix : prefixes) {
        if (text.substr(0, prefix.size()) != prefix) continue;
        const auto id = text.substr(prefix.size());
        if (id.empty() || id.size() > 128) return false;
        for (const char c : id) {
            if (alphabet.find(c) == std::string_view::npos) return false;
        }
        return true;
    }
    return false;
}

}  // namespace kata::fuzz
