#pragma once
#include <array>
#include <string_view>

namespace kata::protocol {

// The domain event types of docs/protocol.md: the only ones a publisher may send.
inline constexpr std::array<std::string_view, 5> domain_event_types{
    "agent_status_changed", "log_entry", "spec_updated", "task_completed", "blocker_raised"};

constexpr bool is_domain_event_type(std::string_view type) {
    for (auto t : domain_event_types) {
        if (t == type) return true;
    }
    return false;
}

}  // namespace kata::protocol
