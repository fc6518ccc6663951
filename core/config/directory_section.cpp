#include "core/config/directory_section.hpp"

#include <cctype>
#include <cstdlib>
#include <set>
#include <tuple>

#include "core/auth/expiry.hpp"
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
        } else if (s == "admin") {
            out |= auth::scope_admin;
        } else {
            return check.fail(index_path(path, i),
                              "must be one of \"subscribe\", \"publish\", \"publish_any\", "
                              "\"admin\"");
        }
    }
    return true;
}

// Optional `expires_at` of an entry at `at`.
bool read_expiry(checker& check, const json& entry, const std::string& at, std::int64_t& out) {
    const auto it = entry.find("expires_at");
    if (it == entry.end()) return true;
    const auto ms =
        it->is_string() ? auth::parse_expires_at(it->get_ref<const std::string&>()) : std::nullopt;
    if (!ms) {
        return check.fail(at + ".expires_at",
                          "must be an RFC 3339 UTC time after 1970, e.g. 2026-03-01T12:00:00.250Z");
    }
    out = *ms;
    return true;
}

bool read_api_keys(checker& check, const json& v, const std::string& path,
                   std::vector<auth::api_key_entry>& out) {
    if (!v.is_array()) return check.fail(path, "must be an array");
    std::set<std::string> ids, digests;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto at = index_path(path, i);
        if (!check.object(v[i], at, {"id", "sha256", "team", "scopes", "expires_at"})) return false;
        auth::api_key_entry entry;
        const json* f = nullptr;
        if (!(f = check.required(v[i], at, "id")) || !check.string(*f, at + ".id", entry.id) ||
            !(f = check.required(v[i], at, "sha256")) ||
            !read_digest(check, *f, at + ".sha256", entry.sha256) ||
            !(f = check.required(v[i], at, "team")) ||
            !check.string(*f, at + ".team", entry.team) ||
            !(f = check.required(v[i], at, "scopes")) ||
            !read_scopes(check, *f, at + ".scopes", entry.scopes) ||
            !read_expiry(check, v[i], at, entry.expires_at_ms)) {
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
        if (!check.object(v[i], at, {"sha256", "user", "team", "expires_at"})) return false;
        auth::session_entry entry;
        const json* f = nullptr;
        if (!(f = check.required(v[i], at, "sha256")) ||
            !read_digest(check, *f, at + ".sha256", entry.sha256) ||
            !(f = check.required(v[i], at, "user")) ||
            !check.string(*f, at + ".user", entry.user) ||
            !(f = check.required(v[i], at, "team")) ||
            !check.string(*f, at + ".team", entry.team) ||
            !read_expiry(check, v[i], at, entry.expires_at_ms)) {
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

// http://HOST[:PORT][/PATH]: plain HTTP to a backend next to the gateway (loopback or a private
// network); TLS to the backend is not supported yet, so https is refused rather than downgraded.
bool read_url(checker& check, const json& v, const std::string& path,
              auth::http_directory_settings& out) {
    if (!v.is_string()) return check.fail(path, "must be a string http://HOST[:PORT][/PATH]");
    const auto& url = v.get_ref<const std::string&>();
    if (!url.starts_with("http://")) {
        return check.fail(path, "must start with http:// (https is not supported)");
    }
    std::string_view rest = std::string_view(url).substr(7);
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    std::string_view target = slash == std::string_view::npos ? "" : rest.substr(slash);
    while (target.ends_with('/'))
        target.remove_suffix(1);
    if (target.find_first_of("?# ") != std::string_view::npos) {
        return check.fail(path, "must not hold a query, a fragment or spaces");
    }
    auto listen = parse_listen(authority.find(':') == std::string_view::npos ||
                                       (authority.starts_with('[') && authority.ends_with(']'))
                                   ? std::string(authority) + ":80"
                                   : std::string(authority));
    if (auto* err = std::get_if<std::string>(&listen)) return check.fail(path, *err);
    std::tie(out.host, out.port) = std::get<0>(std::move(listen));
    if (out.port == 0) return check.fail(path, "port must not be 0");
    out.url = url;
    out.base_path = std::string(target);
    return true;
}

// Header values may name an environment variable (`env:NAME`), so the file holds no secret.
bool read_headers(checker& check, const json& v, const std::string& path,
                  std::vector<std::pair<std::string, std::string>>& out) {
    if (!v.is_object()) return check.fail(path, "must be a JSON object of name -> value");
    for (const auto& item : v.items()) {
        const auto at = member_path(path, item.key());
        const auto& name = item.key();
        const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        });
        if (!token) return check.fail(at, "header name must be letters, digits, '-' or '_'");
        std::string value;
        if (!check.string(item.value(), at, value)) return false;
        if (value.starts_with("env:")) {
            const char* env = std::getenv(value.c_str() + 4);
            if (env == nullptr || *env == '\0') {
                return check.fail(
                    at, "environment variable " + value.substr(4) + " is not set or empty");
            }
            value = env;
        }
        if (value.find_first_of("\r\n") != std::string::npos) {
            return check.fail(at, "header value must not hold a line break");
        }
        out.emplace_back(name, std::move(value));
    }
    return true;
}

bool read_http(checker& check, const json& v, auth::http_directory_settings& out) {
    const std::string path = "directory.http";
    if (!check.object(v, path,
                      {"url", "timeout_ms", "cache_ttl_ms", "negative_cache_ttl_ms", "cache_size",
                       "pool_size", "headers", "revalidate_ms"})) {
        return false;
    }
    const json* f = check.required(v, path, "url");
    if (f == nullptr || !read_url(check, *f, path + ".url", out)) return false;
    const auto field = [&](std::string_view key) {
        const auto it = v.find(key);
        return it == v.end() ? nullptr : &*it;
    };
    return ((f = field("timeout_ms")) == nullptr ||
            check.duration(*f, path + ".timeout_ms", 1, out.timeout)) &&
           ((f = field("cache_ttl_ms")) == nullptr ||
            check.duration(*f, path + ".cache_ttl_ms", 0, out.cache_ttl)) &&
           ((f = field("negative_cache_ttl_ms")) == nullptr ||
            check.duration(*f, path + ".negative_cache_ttl_ms", 0, out.negative_cache_ttl)) &&
           ((f = field("revalidate_ms")) == nullptr ||
            check.duration(*f, path + ".revalidate_ms", 0, out.revalidate)) &&
           ((f = field("cache_size")) == nullptr ||
            check.integer(*f, path + ".cache_size", 0, 100'000'000, out.cache_size)) &&
           ((f = field("pool_size")) == nullptr ||
            check.integer(*f, path + ".pool_size", 1, 4096, out.pool_size)) &&
           ((f = field("headers")) == nullptr ||
            read_headers(check, *f, path + ".headers", out.headers));
}

}  // namespace

bool read_directory(checker& check, const json& v, auth::directory_config& out) {
    const std::string path = "directory";
    if (!check.object(v, path, {"api_keys", "sessions", "specs", "agents", "http"})) return false;
    if (auto it = v.find("http"); it != v.end()) {
        // Exactly one source of truth: a file entry beside the backend would be silently ignored.
        if (v.size() != 1) {
            return check.fail(path + ".http",
                              "cannot be combined with api_keys, sessions, specs or agents");
        }
        return read_http(check, *it, out.http.emplace());
    }
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
