#pragma once
#include "core/auth/directory.hpp"
#include "core/protocol/channel.hpp"

namespace kata::auth {

enum class decision { allowed, forbidden, unavailable };

// docs/protocol.md "Channels and authorization": team channels by equality with the principal's
// team, spec/agent channels through the directory. Unknown ids and other teams are both
// `forbidden`; a directory failure is `unavailable` (deny).
decision authorize_subscribe(const directory& dir, const principal& who,
                             const protocol::channel_name& channel);

// The spec/agent half of authorize_subscribe, given the directory's answer for the channel's id
// (for async directories, whose answer arrives later).
decision authorize_owner(const lookup_result<std::string>& owner, const principal& who);

// `publish_any` may publish anywhere; `publish` as authorize_subscribe; otherwise forbidden.
decision authorize_publish(const directory& dir, const principal& who,
                           const protocol::channel_name& channel);

}  // namespace kata::auth
