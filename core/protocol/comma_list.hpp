#pragma once
#include <string_view>

namespace kata::protocol {

// Without the optional whitespace (spaces and tabs, RFC 9110 §5.6.3) around an HTTP field value
// or one of its parts.
inline std::string_view trim_ows(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Calls `fn` with each element of a comma-separated list (an HTTP header's list rule, RFC 9110
// §5.6.1, or a list in an environment variable), spaces and tabs trimmed, empty elements
// skipped. `fn` returns true to stop; the result says whether it did.
template <class Fn>
bool for_each_list_item(std::string_view list, Fn&& fn) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = trim_ows(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (item.empty()) continue;
        if (fn(item)) return true;
    }
    return false;
}

}  // namespace kata::protocol
