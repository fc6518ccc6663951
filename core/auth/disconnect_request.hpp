#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/auth/credentials.hpp"
#include "core/auth/principal.hpp"

namespace kata::auth {

// Whose connections a disconnect (POST /v1/disconnect) ends: every connection of a session user,
// of an API key id, of a team, or of the credential with a SHA-256 digest; with `channel`, only
// that subscription of theirs.
struct disconnect_target {
    enum class field { user, key_id, team, sha256 };
    field by = field::user;
    std::string value;                   // sha256: lowercase hex
    std::optional<std::string> channel;  // a valid channel name

    bool operator==(const disconnect_target&) const = default;
};

std::string_view field_name(disconnect_target::field f);

// Parses a request body: a JSON object with exactly one of "user", "key_id", "team", "sha256"
// (a non-empty string; sha256: 64 hex digits) and optionally "channel" (a channel name), nothing
// else. The message says what is wrong.
std::variant<disconnect_target, std::string> parse_disconnect_request(std::string_view body);

// The same object as text (what travels between nodes; parse_disconnect_request reads it back).
std::string disconnect_json(const disconnect_target& t);

// Whether a connection authenticated with `kind` (its credential's digest `sha256_hex`) as `who`
// is one the target names. A session's user is its principal id, an API key's id likewise.
bool disconnect_matches(const disconnect_target& t, const principal& who, credential_kind kind,
                        std::string_view sha256_hex);

}  // namespace kata::auth
