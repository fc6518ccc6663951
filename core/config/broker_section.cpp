#include "core/config/broker_section.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/redis/redis_url.hpp"

namespace kata::config::detail {
namespace {

bool is_prefix_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

// A Redis URL as a shard: well-formed, and without a password (config files and command lines
// are read by more people than the password should be).
bool check_url(checker& check, const std::string& path, const std::string& text,
               std::vector<std::string>& seen) {
    auto parsed = redis::parse_redis_url(text);
    if (auto* err = std::get_if<std::string>(&parsed)) return check.fail(path, *err);
    if (!std::get<redis::redis_url>(parsed).password.empty()) {
        return check.fail(path,
                          "must not hold a password: name an environment variable that holds "
                          "it in broker.password_env");
    }
    if (std::find(seen.begin(), seen.end(), text) != seen.end()) {
        return check.fail(path, "is given twice: each URL is one shard");
    }
    seen.push_back(text);
    return true;
}

constexpr std::size_t max_shards = 64;
constexpr std::uint64_t min_health_check_ms = 10;
constexpr std::uint64_t max_health_check_ms = 60000;

}  // namespace

bool read_broker(checker& check, const json& v, broker_settings& out) {
    if (!check.object(
            v, "broker",
            {"type", "urls", "prefix", "connect_timeout_ms", "health_check_ms", "password_env"})) {
        return false;
    }
    if (auto it = v.find("type"); it != v.end()) {
        if (*it != "memory" && *it != "redis") {
            return check.fail("broker.type", "must be \"memory\" or \"redis\"");
        }
        out.type = it->get<std::string>();
    }
    const bool redis = out.type == "redis";
    for (const char* key :
         {"urls", "prefix", "connect_timeout_ms", "health_check_ms", "password_env"}) {
        if (!redis && v.contains(key)) {
            return check.fail(member_path("broker", key), "only applies to \"type\": \"redis\"");
        }
    }
    if (!redis) return true;
    const json* urls = check.required(v, "broker", "urls");
    if (urls == nullptr) return false;
    if (!urls->is_array() || urls->empty() || urls->size() > max_shards) {
        return check.fail("broker.urls", "must be an array of 1 to 64 redis:// URLs (the shards)");
    }
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < urls->size(); ++i) {
        const auto path = index_path("broker.urls", i);
        if (!(*urls)[i].is_string()) return check.fail(path, "must be a redis:// URL");
        if (!check_url(check, path, (*urls)[i].get<std::string>(), seen)) return false;
    }
    out.urls = std::move(seen);
    if (auto it = v.find("prefix"); it != v.end()) {
        if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
            it->get_ref<const std::string&>().size() > 64 ||
            !std::all_of(it->get_ref<const std::string&>().begin(),
                         it->get_ref<const std::string&>().end(), is_prefix_char)) {
            return check.fail("broker.prefix",
                              "must be 1-64 characters of letters, digits, _ - . :");
        }
        out.prefix = it->get<std::string>();
    }
    if (auto it = v.find("connect_timeout_ms");
        it != v.end() &&
        !check.duration(*it, "broker.connect_timeout_ms", 1, out.connect_timeout)) {
        return false;
    }
    // Bounded so that a hang is noticed (at most this plus connect_timeout_ms) and the checks stay
    // cheap: one PUBLISH per shard per interval.
    if (auto it = v.find("health_check_ms"); it != v.end()) {
        std::uint64_t ms = 0;
        if (!check.integer(*it, "broker.health_check_ms", min_health_check_ms, max_health_check_ms,
                           ms)) {
            return false;
        }
        out.health_check = std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
    }
    if (auto it = v.find("password_env"); it != v.end()) {
        if (!check.string(*it, "broker.password_env", out.password_env)) return false;
        const char* value = std::getenv(out.password_env.c_str());
        if (value == nullptr || *value == '\0') {
            return check.fail("broker.password_env",
                              "names " + out.password_env + ", which is not set or empty");
        }
        out.password = value;
    }
    return true;
}

std::optional<config_error> use_redis_urls(const std::vector<std::string>& urls,
                                           broker_settings& out) {
    checker check;
    if (urls.size() > max_shards) {
        check.fail("--redis", "at most 64 URLs (shards)");
        return check.take_error();
    }
    std::vector<std::string> seen;
    for (const auto& url : urls) {
        if (!check_url(check, "--redis", url, seen)) return check.take_error();
    }
    out.type = "redis";
    out.urls = std::move(seen);
    return std::nullopt;
}

}  // namespace kata::config::detail
