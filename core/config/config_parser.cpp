#include "core/config/config_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "core/config/broker_section.hpp"
#include "core/config/config_checker.hpp"
#include "core/config/directory_section.hpp"

namespace kata::config {
namespace {

using namespace detail;

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

bool is_hostname_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

bool is_ipv6_text(std::string_view s) {
    if (s.empty() || s.find(':') == std::string_view::npos) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
               c == ':' || c == '.';
    });
}

}  // namespace

// Browsers send Origin lowercased and without a path, and it is compared byte for byte, so an
// entry in any other spelling could never match: refuse it rather than silently never match.
bool is_origin(std::string_view s) {
    std::string_view rest;
    if (s.starts_with("http://")) {
        rest = s.substr(7);
    } else if (s.starts_with("https://")) {
        rest = s.substr(8);
    } else {
        return false;
    }
    std::string_view host = rest;
    std::optional<std::string_view> port;
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return false;
        host = rest.substr(1, close - 1);
        const auto after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return false;
            port = after.substr(1);
        }
        if (!is_ipv6_text(host)) return false;
    } else {
        if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
            host = rest.substr(0, colon);
            port = rest.substr(colon + 1);
        }
        if (host.empty()) return false;
        for (char c : host) {
            if (!is_hostname_char(c)) return false;
        }
    }
    if (std::any_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        return false;
    }
    return !port || parse_port(*port).has_value();
}

namespace {

// RFC 6265 cookie-name = token (RFC 2616): visible ASCII except separators.
bool is_cookie_token(std::string_view s) {
    constexpr std::string_view separators = "()<>@,;:\\\"/[]?={}";
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return c > 0x20 && c < 0x7f && separators.find(c) == std::string_view::npos;
    });
}

// Keeps the first error; every check returns false once it fails so callers can stop at once.

bool read_heartbeat(checker& check, const json& v, heartbeat_settings& out) {
    if (!check.object(v, "heartbeat", {"interval_ms", "timeout_ms"})) return false;
    const auto interval = v.find("interval_ms");
    const auto timeout = v.find("timeout_ms");
    if (interval != v.end() &&
        !check.duration(*interval, "heartbeat.interval_ms", 1, out.interval)) {
        return false;
    }
    if (timeout != v.end() && !check.duration(*timeout, "heartbeat.timeout_ms", 1, out.timeout)) {
        return false;
    }
    if (out.timeout <= out.interval) {
        // Blame the key the user wrote: with only interval_ms set, the default timeout is fine.
        const std::string key =
            timeout != v.end() ? "heartbeat.timeout_ms" : "heartbeat.interval_ms";
        return check.fail(key, "heartbeat.timeout_ms (" + std::to_string(out.timeout.count()) +
                                   ") must be greater than heartbeat.interval_ms (" +
                                   std::to_string(out.interval.count()) + ")");
    }
    return true;
}

bool read_limits(checker& check, const json& v, limit_settings& out) {
    if (!check.object(v, "limits",
                      {"max_message_bytes", "max_subscriptions", "max_queued_bytes",
                       "write_timeout_ms", "max_connections", "commands_per_second",
                       "max_tls_handshakes", "max_remote_backlog_bytes"})) {
        return false;
    }
    const auto field = [&](std::string_view key) {
        const auto it = v.find(key);
        return it == v.end() ? nullptr : &*it;
    };
    const json* f = nullptr;
    return ((f = field("max_message_bytes")) == nullptr ||
            check.integer(*f, "limits.max_message_bytes", 1, 16 * 1024 * 1024,
                          out.max_message_bytes)) &&
           ((f = field("max_subscriptions")) == nullptr ||
            check.integer(*f, "limits.max_subscriptions", 1, 1'000'000, out.max_subscriptions)) &&
           ((f = field("max_queued_bytes")) == nullptr ||
            check.integer(*f, "limits.max_queued_bytes", 1024, std::uint64_t{1} << 30,
                          out.max_queued_bytes)) &&
           ((f = field("write_timeout_ms")) == nullptr ||
            check.duration(*f, "limits.write_timeout_ms", 1, out.write_timeout)) &&
           ((f = field("max_connections")) == nullptr ||
            check.integer(*f, "limits.max_connections", 1, 10'000'000, out.max_connections)) &&
           ((f = field("commands_per_second")) == nullptr ||
            check.integer(*f, "limits.commands_per_second", 1, 1'000'000,
                          out.commands_per_second)) &&
           ((f = field("max_tls_handshakes")) == nullptr ||
            check.integer(*f, "limits.max_tls_handshakes", 1, 1'000'000, out.max_tls_handshakes)) &&
           ((f = field("max_remote_backlog_bytes")) == nullptr ||
            check.integer(*f, "limits.max_remote_backlog_bytes", 1024, std::uint64_t{1} << 34,
                          out.max_remote_backlog_bytes));
}

bool read_compression(checker& check, const json& v, protocol::deflate::compression_settings& out) {
    if (!check.object(v, "compression", {"enabled", "min_bytes", "level"})) return false;
    if (auto it = v.find("enabled"); it != v.end()) {
        if (!it->is_boolean()) return check.fail("compression.enabled", "must be true or false");
        out.enabled = it->get<bool>();
    }
    if (auto it = v.find("min_bytes");
        it != v.end() &&
        !check.integer(*it, "compression.min_bytes", 0, 16 * 1024 * 1024, out.min_bytes)) {
        return false;
    }
    // libdeflate's levels: 0 stores (no compression), 1 is fastest, 12 smallest.
    if (auto it = v.find("level");
        it != v.end() && !check.integer(*it, "compression.level", 0, 12, out.level)) {
        return false;
    }
    return true;
}

bool read_history(checker& check, const json& v, history_settings& out) {
    if (!check.object(v, "history", {"size", "ttl_ms", "max_bytes", "max_total_bytes"}))
        return false;
    if (auto it = v.find("size");
        it != v.end() && !check.integer(*it, "history.size", 0, 1'000'000, out.size)) {
        return false;
    }
    if (auto it = v.find("ttl_ms");
        it != v.end() && !check.duration(*it, "history.ttl_ms", 1, out.ttl)) {
        return false;
    }
    if (auto it = v.find("max_bytes");
        it != v.end() &&
        !check.integer(*it, "history.max_bytes", 1024, std::size_t{1} << 30, out.max_bytes)) {
        return false;
    }
    if (auto it = v.find("max_total_bytes");
        it != v.end() && !check.integer(*it, "history.max_total_bytes", 1024, std::size_t{1} << 40,
                                        out.max_total_bytes)) {
        return false;
    }
    return true;
}

bool read_origins(checker& check, const json& v, std::vector<std::string>& out) {
    if (!v.is_array()) return check.fail("allowed_origins", "must be an array of origins");
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string() || !is_origin(v[i].get_ref<const std::string&>())) {
            return check.fail(index_path("allowed_origins", i),
                              "must be an origin scheme://host[:port]: http or https, lowercase, "
                              "no path and no trailing slash");
        }
        out.push_back(v[i].get<std::string>());
    }
    return true;
}

bool read_tls(checker& check, const json& v, tls_settings& out) {
    if (!check.object(v, "tls", {"cert_file", "key_file"})) return false;
    const json* cert = check.required(v, "tls", "cert_file");
    if (cert == nullptr || !check.string(*cert, "tls.cert_file", out.cert_file)) return false;
    const json* key = check.required(v, "tls", "key_file");
    return key != nullptr && check.string(*key, "tls.key_file", out.key_file);
}

// A relative TLS path names a file next to the config file, wherever the server is started.
void resolve_next_to(const std::string& config_path, std::string& file) {
    if (file.starts_with('/')) return;
    const auto slash = config_path.rfind('/');
    if (slash != std::string::npos) file = config_path.substr(0, slash + 1) + file;
}

bool read_config(checker& check, const json& doc, server_config& out) {
    if (!check.object(doc, "",
                      {"listen", "threads", "allowed_origins", "session_cookie", "heartbeat",
                       "limits", "history", "directory", "admin_listen", "log_format", "broker",
                       "tls", "compression"})) {
        return false;
    }
    if (auto it = doc.find("listen"); it != doc.end()) {
        if (!it->is_string()) return check.fail("listen", "must be a string HOST:PORT");
        auto listen = parse_listen(it->get_ref<const std::string&>());
        if (auto* err = std::get_if<std::string>(&listen)) return check.fail("listen", *err);
        std::tie(out.listen_host, out.listen_port) = std::get<0>(std::move(listen));
    }
    if (auto it = doc.find("admin_listen"); it != doc.end()) {
        if (!it->is_string()) return check.fail("admin_listen", "must be a string HOST:PORT");
        auto admin = parse_listen(it->get_ref<const std::string&>());
        if (auto* err = std::get_if<std::string>(&admin)) return check.fail("admin_listen", *err);
        out.admin_listen = std::get<0>(std::move(admin));
    }
    if (auto it = doc.find("log_format"); it != doc.end()) {
        if (*it != "text" && *it != "json") {
            return check.fail("log_format", "must be \"text\" or \"json\"");
        }
        out.log_format = it->get<std::string>();
    }
    if (auto it = doc.find("threads");
        it != doc.end() && !check.integer(*it, "threads", 0, 1024, out.threads)) {
        return false;
    }
    if (auto it = doc.find("allowed_origins");
        it != doc.end() && !read_origins(check, *it, out.allowed_origins)) {
        return false;
    }
    if (auto it = doc.find("session_cookie"); it != doc.end()) {
        if (!it->is_string() || !is_cookie_token(it->get_ref<const std::string&>())) {
            return check.fail("session_cookie",
                              "must be a cookie name: non-empty, visible ASCII, no separators");
        }
        out.session_cookie = it->get<std::string>();
    }
    if (auto it = doc.find("heartbeat");
        it != doc.end() && !read_heartbeat(check, *it, out.heartbeat)) {
        return false;
    }
    if (auto it = doc.find("limits"); it != doc.end() && !read_limits(check, *it, out.limits)) {
        return false;
    }
    if (auto it = doc.find("history"); it != doc.end() && !read_history(check, *it, out.history)) {
        return false;
    }
    if (auto it = doc.find("compression");
        it != doc.end() && !read_compression(check, *it, out.compression)) {
        return false;
    }
    if (auto it = doc.find("broker"); it != doc.end() && !read_broker(check, *it, out.broker)) {
        return false;
    }
    if (auto it = doc.find("tls"); it != doc.end()) {
        if (!read_tls(check, *it, out.tls.emplace())) return false;
    }
    const json* dir = check.required(doc, "", "directory");
    return dir != nullptr && read_directory(check, *dir, out.directory);
}

// Records why a document failed to parse; everything else is accepted and dropped.
struct syntax_error_sax : nlohmann::json_sax<json> {
    std::string message;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t, const std::string&,
                     const nlohmann::detail::exception& ex) override {
        message = ex.what();
        return false;
    }
};

}  // namespace

std::variant<std::pair<std::string, std::uint16_t>, std::string> parse_listen(
    std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
            return std::string{"expected [IPv6]:PORT"};
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        if (!is_ipv6_text(host)) return std::string{"the address in brackets must be IPv6"};
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos)
            return std::string{"expected HOST:PORT or [IPv6]:PORT"};
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.empty()) return std::string{"host must not be empty"};
        if (host.find(':') != std::string_view::npos) {
            return std::string{"an IPv6 address needs brackets: [IPv6]:PORT"};
        }
        if (!std::all_of(host.begin(), host.end(), is_hostname_char)) {
            return std::string{"host must be a name or an IP address"};
        }
    }
    const auto number = parse_port(port);
    if (!number) return std::string{"port must be an integer between 0 and 65535"};
    return std::pair{std::string{host}, *number};
}

std::variant<server_config, config_error> parse_server_config(std::string_view json_text) {
    const auto doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
        // The DOM parse says only "discarded"; a second, SAX pass recovers line and column.
        syntax_error_sax sax;
        json::sax_parse(json_text, &sax, json::input_format_t::json, true, false);
        return config_error{"", "config is not valid JSON: " + sax.message};
    }
    if (!doc.is_object()) return config_error{"", "config: must be a JSON object"};
    checker check;
    server_config config;
    if (!read_config(check, doc, config)) return check.take_error();
    return config;
}

std::variant<server_config, config_error> load_server_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return config_error{"", "cannot read " + path + ": " + std::strerror(errno)};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return config_error{"", "cannot read " + path + ": " + std::strerror(errno)};
    auto parsed = parse_server_config(text.str());
    if (auto* cfg = std::get_if<server_config>(&parsed); cfg && cfg->tls) {
        resolve_next_to(path, cfg->tls->cert_file);
        resolve_next_to(path, cfg->tls->key_file);
    }
    return parsed;
}

}  // namespace kata::config
