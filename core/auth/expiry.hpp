#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/auth/directory.hpp"
#include "core/auth/principal.hpp"

namespace kata::auth {

// A credential's `expires_at`: RFC 3339 in UTC only (`2026-03-01T12:00:00Z`, optionally with 1 to
// 9 fractional digits, kept to the millisecond). Anything else (an offset, a lowercase `t`/`z`,
// a day the month does not have, a time before 1970) is nullopt: a misread expiry would fail
// open. The result is milliseconds since the Unix epoch, always > 0.
std::optional<std::int64_t> parse_expires_at(std::string_view text);

// The wall clock, milliseconds since the Unix epoch.
std::int64_t unix_now_ms();

inline bool is_expired(const principal& who, std::int64_t now_ms) {
    return who.expires_at_ms != 0 && now_ms >= who.expires_at_ms;
}

// An expired credential is refused as if unknown: `found` becomes `not_found`.
lookup_result<principal> drop_expired(lookup_result<principal> found, std::int64_t now_ms);

}  // namespace kata::auth
