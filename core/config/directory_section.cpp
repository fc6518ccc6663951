#include "core/config/directory_section.hpp"

#include <cctype>
#include <set>

#include "core/auth/principal.hpp"

namespace kata::config::detail {
namespace {

bool read_digest(checker& check, const json& v, const std::string& path, std::string& out) {
    if (!v.is_string() || v.get_ref<const std::string&>().size() != 64 ||
        !std::all_of(v.get_ref<const std::string&>().begin(), v.get_ref<const std::string&>().end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
        return check.fail(path, "must be a SHA-256 digest: 64 hex characters");
    }
    out = v.get<std::string>();
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return true;
}

bool read_scopes(checker& check, const json& v, const std::string& path, std::uint8_t& out) {
    if (!v.is_array() || v.empty()) return check.fail(path, "must be a non-empty array of scopes");
    out = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto& s = v[i];
        if (s == "subscribe") {
            out |= auth::scope_subscribe;
        } else if (s == "publish") {
            out |= auth::scope_publish;
        } else if (s == "publish_any") {
            out |= auth::scope_publish_any;
        } else {
            return check.fail(index_path(path, i),
                              "must be one of \"subscribe\", \"publish\", \"publish_any\"");
        }
    }
    return true;
}

bool read_api_keys(checker& check, const json& v, const std::string& path,
                   std::vector<auth::api_key_entry>& out) {
    if (!v.is_array()) return check.fail(path, "must be an array");
    std::set<std::string> ids, digests;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto at = index_path(path, i);
        if (!check.object(v[i], at, {"id", "sha256", "team", "scopes"})) return false;
        auth::api_key_entry entry;
        const json* f = nullptr;
        if (!(f = check.required(v[i], at, "id")) || !check.string(*f, at + ".id", entry.id) ||
            !(f = check.required(v[i], at, "sha256")) ||
            !read_digest(check, *f, at + ".sha256", entry.sha256) ||
            !(f = check.required(v[i], at, "team")) ||
            !check.string(*f, at + ".team", entry.team) ||
            !(f = check.required(v[i], at, "scopes")) ||
            !read_scopes(check, *f, at + ".scopes", entry.scopes)) {
            return false;
        }
        // A repeated id makes logs ambiguous; a repeated digest makes one entry unreachable.
        if (!ids.insert(entry.id).second) return check.fail(at + ".id", "duplicate api key id");
        if (!digests.insert(entry.sha256).second) {
            return check.fail(at + ".sha256", "duplicate digest: another api key has it");
        }
        out.push_back(std::move(entry));
    }
    return true;
}

bool read_sessions(checker& check, const json& v, const std::string& path,
                   std::vector<auth::session_entry>& out) {
    if (!v.is_array()) return check.fail(path, "must be an array");
    std::set<std::string> digests;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto at = index_path(path, i);
        if (!check.object(v[i], at, {"sha256", "user", "team"})) return false;
        auth::session_entry entry;
        const json* f = nullptr;
        if (!(f = check.required(v[i], at, "sha256")) ||
            !read_digest(check, *f, at + ".sha256", entry.sha256) ||
            !(f = check.required(v[i], at, "user")) ||
            !check.string(*f, at + ".user", entry.user) ||
            !(f = check.required(v[i], at, "team")) ||
            !check.string(*f, at + ".team", entry.team)) {
            return false;
        }
        if (!digests.insert(entry.sha256).second) {
            return check.fail(at + ".sha256", "duplicate digest: another session has it");
        }
        out.push_back(std::move(entry));
    }
    return true;
}

bool read_teams(checker& check, const json& v, const std::string& path,
                std::map<std::string, std::string>& out) {
    if (!v.is_object()) return check.fail(path, "must be a JSON object of id -> team");
    for (const auto& item : v.items()) {
        if (!check.string(item.value(), member_path(path, item.key()), out[item.key()])) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool read_directory(checker& check, const json& v, auth::directory_config& out) {
    const std::string path = "directory";
    if (!check.object(v, path, {"api_keys", "sessions", "specs", "agents"})) return false;
    if (auto it = v.find("api_keys");
        it != v.end() && !read_api_keys(check, *it, path + ".api_keys", out.api_keys)) {
        return false;
    }
    if (auto it = v.find("sessions");
        it != v.end() && !read_sessions(check, *it, path + ".sessions", out.sessions)) {
        return false;
    }
    if (auto it = v.find("specs");
        it != v.end() && !read_teams(check, *it, path + ".specs", out.specs)) {
        return false;
    }
    if (auto it = v.find("agents");
        it != v.end() && !read_teams(check, *it, path + ".agents", out.agents)) {
        return false;
    }
    return true;
}

}  // namespace kata::config::detail
