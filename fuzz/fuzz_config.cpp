// The config file is trusted more than network input, but a typo in it must be refused with a
// message naming the key, never turn into a server running on nonsense. Properties: an accepted
// config has every value inside its documented range (and the directory is consistent); a
// refused one has a message that names the offending key. The same bytes also go through
// parse_listen, whose accepted addresses must print back and parse to the same host and port.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "core/auth/principal.hpp"
#include "core/config/config_parser.hpp"
#include "fuzz_check.hpp"

namespace {

namespace config = kata::config;
using namespace std::chrono_literals;

constexpr auto one_day = std::chrono::milliseconds(86'400'000);

bool is_lower_hex_digest(const std::string& s) {
    if (s.size() != 64) return false;
    for (const char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

bool is_duration(std::chrono::milliseconds d) {
    return d >= 1ms && d <= one_day;
}

std::string format_listen(const std::string& host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void check_listen(std::string_view text) {
    const auto result = config::parse_listen(text);
    if (const auto* err = std::get_if<std::string>(&result)) {
        FUZZ_CHECK(!err->empty());
        return;
    }
    const auto& [host, port] = std::get<0>(result);
    FUZZ_CHECK(!host.empty());
    const auto again = config::parse_listen(format_listen(host, port));
    FUZZ_CHECK(std::holds_alternative<std::pair<std::string, std::uint16_t>>(again));
    FUZZ_CHECK(std::get<0>(again) == std::get<0>(result));
}

void check_origin(const std::string& origin) {
    const std::string_view s = origin;
    const auto scheme_end = s.find("://");
    FUZZ_CHECK(s.starts_with("http://") || s.starts_with("https://"));
    const auto authority = s.substr(scheme_end + 3);
    FUZZ_CHECK(!authority.empty());
    FUZZ_CHECK(authority.find('/') == std::string_view::npos);
    for (const char c : authority)
        FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
}

void check_cookie_name(const std::string& name) {
    FUZZ_CHECK(!name.empty());
    for (const char c : name) {
        FUZZ_CHECK(c > 0x20 && c < 0x7f);
        FUZZ_CHECK(std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos);
    }
}

void check_directory(const kata::auth::directory_config& dir) {
    constexpr unsigned all_scopes =
        kata::auth::scope_subscribe | kata::auth::scope_publish | kata::auth::scope_publish_any;
    std::set<std::string> ids, key_digests, session_digests;
    for (const auto& key : dir.api_keys) {
        FUZZ_CHECK(!key.id.empty() && !key.team.empty());
        FUZZ_CHECK(is_lower_hex_digest(key.sha256));
        FUZZ_CHECK(key.scopes != 0 && (key.scopes & ~all_scopes) == 0);
        FUZZ_CHECK(ids.insert(key.id).second);
        FUZZ_CHECK(key_digests.insert(key.sha256).second);
    }
    for (const auto& session : dir.sessions) {
        FUZZ_CHECK(!session.user.empty() && !session.team.empty());
        FUZZ_CHECK(is_lower_hex_digest(session.sha256));
        FUZZ_CHECK(session_digests.insert(session.sha256).second);
    }
    for (const auto& [spec, team] : dir.specs)
        FUZZ_CHECK(!team.empty());
    for (const auto& [agent, team] : dir.agents)
        FUZZ_CHECK(!team.empty());
    // Dev mode sets this in code; a file must never be able to.
    FUZZ_CHECK(!dir.default_team.has_value());
    if (dir.http) {
        // Exactly one source of truth, and a backend address the client can use as is.
        FUZZ_CHECK(dir.api_keys.empty() && dir.sessions.empty() && dir.specs.empty() &&
                   dir.agents.empty());
        const auto& h = *dir.http;
        FUZZ_CHECK(h.url.starts_with("http://") && !h.host.empty() && h.port != 0);
        FUZZ_CHECK(h.base_path.empty() ||
                   (h.base_path.front() == '/' && h.base_path.back() != '/'));
        FUZZ_CHECK(h.timeout.count() >= 1 && is_duration(h.timeout));
        FUZZ_CHECK(h.pool_size >= 1 && h.pool_size <= 4096);
        for (const auto& [name, value] : h.headers) {
            FUZZ_CHECK(!name.empty() && !value.empty());
            FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
        }
    }
}

void check_accepted(const config::server_config& cfg) {
    FUZZ_CHECK(!cfg.listen_host.empty());
    FUZZ_CHECK(std::holds_alternative<std::pair<std::string, std::uint16_t>>(
        config::parse_listen(format_listen(cfg.listen_host, cfg.listen_port))));
    FUZZ_CHECK(cfg.threads <= 1024);
    for (const auto& origin : cfg.allowed_origins)
        check_origin(origin);
    check_cookie_name(cfg.session_cookie);

    FUZZ_CHECK(is_duration(cfg.heartbeat.interval) && is_duration(cfg.heartbeat.timeout));
    FUZZ_CHECK(cfg.heartbeat.timeout > cfg.heartbeat.interval);

    const auto& limits = cfg.limits;
    FUZZ_CHECK(limits.max_message_bytes >= 1 && limits.max_message_bytes <= 16 * 1024 * 1024);
    FUZZ_CHECK(limits.max_subscriptions >= 1 && limits.max_subscriptions <= 1'000'000);
    FUZZ_CHECK(limits.max_queued_bytes >= 1024 && limits.max_queued_bytes <= (1u << 30));
    FUZZ_CHECK(is_duration(limits.write_timeout));
    FUZZ_CHECK(limits.max_connections >= 1 && limits.max_connections <= 10'000'000);
    FUZZ_CHECK(limits.commands_per_second >= 1 && limits.commands_per_second <= 1'000'000);

    FUZZ_CHECK(cfg.history.size <= 1'000'000);
    FUZZ_CHECK(is_duration(cfg.history.ttl));
    check_directory(cfg.directory);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_listen(text);
    const auto result = config::parse_server_config(text);
    if (const auto* err = std::get_if<config::config_error>(&result)) {
        FUZZ_CHECK(!err->message.empty());
        FUZZ_CHECK(err->message.find(err->key) != std::string::npos);
        return 0;
    }
    check_accepted(std::get<config::server_config>(result));
    return 0;
}
