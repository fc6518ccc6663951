#pragma once
#include <string_view>

namespace kata::protocol {

// Calls `fn` with each element of a comma-separated list (an HTTP header's list rule, RFC 9110
// §5.6.1, or a list in an environment variable), spaces and tabs trimmed, empty elements
// skipped. `fn` returns true to stop; the result says whether it did.
template <class Fn>
bool for_each_list_item(std::string_view list, Fn&& fn) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        auto item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        const auto first = item.find_first_not_of(" \t");
        if (first == std::string_view::npos) continue;
        item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
        if (fn(item)) return true;
    }
    return false;
}

}  // namespace kata::protocol
