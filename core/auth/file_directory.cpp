#include "core/auth/file_directory.hpp"

#include <utility>

#include "core/auth/digest.hpp"

namespace kata::auth {
namespace {

lookup_result<std::string> team_of(const std::map<std::string, std::string>& teams,
                                   const std::optional<std::string>& default_team,
                                   std::string_view id) {
    if (const auto it = teams.find(std::string{id}); it != teams.end()) {
        return {lookup_status::found, it->second};
    }
    if (default_team) return {lookup_status::found, *default_team};
    return {lookup_status::not_found, {}};
}

}  // namespace

file_directory::file_directory(directory_config config) : config_(std::move(config)) {
    // sha256_hex yields lowercase; a directory built in code with uppercase digests must still
    // match (the config parser already lowercases).
    const auto lower = [](std::string& hex) {
        for (char& c : hex) {
            if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
        }
    };
    for (auto& entry : config_.api_keys)
        lower(entry.sha256);
    for (auto& entry : config_.sessions)
        lower(entry.sha256);
}

lookup_result<principal> file_directory::authenticate_api_key(std::string_view key) const {
    if (key.empty()) return {lookup_status::not_found, {}};
    return authenticate_digest(credential_kind::api_key, sha256_hex(key));
}

lookup_result<principal> file_directory::authenticate_session(std::string_view token) const {
    if (token.empty()) return {lookup_status::not_found, {}};
    return authenticate_digest(credential_kind::session, sha256_hex(token));
}

lookup_result<principal> file_directory::authenticate_digest(credential_kind kind,
                                                             std::string_view digest) const {
    // Visit every entry even after a match so the time taken does not reveal which entry (or
    // whether any early one) matched.
    if (kind == credential_kind::api_key) {
        const api_key_entry* match = nullptr;
        for (const auto& entry : config_.api_keys) {
            if (constant_time_equal(digest, entry.sha256) && match == nullptr) match = &entry;
        }
        if (match == nullptr) return {lookup_status::not_found, {}};
        return {lookup_status::found,
                principal{match->id, match->team, match->scopes, match->expires_at_ms}};
    }
    if (kind == credential_kind::session) {
        const session_entry* match = nullptr;
        for (const auto& entry : config_.sessions) {
            if (constant_time_equal(digest, entry.sha256) && match == nullptr) match = &entry;
        }
        if (match == nullptr) return {lookup_status::not_found, {}};
        return {lookup_status::found,
                principal{match->user, match->team, scope_subscribe, match->expires_at_ms}};
    }
    return {lookup_status::not_found, {}};
}

lookup_result<std::string> file_directory::team_of_spec(std::string_view spec_id) const {
    return team_of(config_.specs, config_.default_team, spec_id);
}

lookup_result<std::string> file_directory::team_of_agent(std::string_view agent_id) const {
    return team_of(config_.agents, config_.default_team, agent_id);
}

}  // namespace kata::auth
