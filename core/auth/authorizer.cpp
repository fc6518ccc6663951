#include "core/auth/authorizer.hpp"

namespace kata::auth {
namespace {

decision same_team(const lookup_result<std::string>& owner, const principal& who) {
    switch (owner.status) {
        case lookup_status::found:
            return owner.value == who.team ? decision::allowed : decision::forbidden;
        case lookup_status::not_found:
            // Same answer as another team's id, so probing cannot tell which ids exist.
            return decision::forbidden;
        case lookup_status::unavailable:
            return decision::unavailable;
    }
    return decision::unavailable;  // an out-of-range status is a backend bug: fail closed
}

}  // namespace

decision authorize_owner(const lookup_result<std::string>& owner, const principal& who) {
    if (who.team.empty()) return decision::forbidden;
    return same_team(owner, who);
}

decision authorize_subscribe(const directory& dir, const principal& who,
                             const protocol::channel_name& channel) {
    // An empty team would otherwise match an empty owner; no real principal has one.
    if (who.team.empty()) return decision::forbidden;
    switch (channel.family) {
        case protocol::channel_family::team:
            return channel.id == who.team ? decision::allowed : decision::forbidden;
        case protocol::channel_family::spec:
            return same_team(dir.team_of_spec(channel.id), who);
        case protocol::channel_family::agent:
            return same_team(dir.team_of_agent(channel.id), who);
    }
    return decision::forbidden;
}

decision authorize_publish(const directory& dir, const principal& who,
                           const protocol::channel_name& channel) {
    if (who.has(scope_publish_any)) return decision::allowed;
    if (who.has(scope_publish)) return authorize_subscribe(dir, who, channel);
    return decision::forbidden;
}

}  // namespace kata::auth
