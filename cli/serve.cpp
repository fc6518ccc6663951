// `kata-rt serve`: runs the gateway until SIGINT/SIGTERM; SIGHUP reloads the directory.
#include <pthread.h>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/serve_origins.hpp"
#include "core/auth/file_directory.hpp"
#include "core/config/broker_section.hpp"
#include "core/config/config_diff.hpp"
#include "core/config/config_parser.hpp"
#include "core/config/dev_config.hpp"
#include "core/config/version.hpp"
#include "core/directory/http_directory.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ops/open_file_limit.hpp"
#include "core/server/server.hpp"
#include "core/server/tls/tls_context.hpp"

namespace kata::cli {
namespace {

struct serve_options {
    std::string config_path;
    std::string listen;
    std::string log_level = "info";
    std::string log_format;  // empty: the config file's log_format, else text
    bool check_config = false;
    std::vector<std::string> redis_urls;     // --redis: the broker's shards, overriding the file
    std::vector<std::string> allow_origins;  // --allow-origin: added to allowed_origins
};

// A start-up failure: the reason on stderr (as a JSON line in json mode), then exit `code`.
[[noreturn]] void fail(int code, const std::string& message) {
    if (server::current_log_format() == server::log_format::json) {
        server::log_always(server::log_level::error, "kata-rt serve: " + message);
    } else {
        std::cerr << "kata-rt serve: " << message << "\n";
    }
    throw CLI::RuntimeError(code);
}

server::log_level parse_level(const std::string& name) {
    if (name == "debug") return server::log_level::debug;
    if (name == "warn") return server::log_level::warn;
    if (name == "error") return server::log_level::error;
    return server::log_level::info;
}

config::server_config load_or_exit(const std::string& path) {
    auto loaded = config::load_server_config(path);
    if (auto* err = std::get_if<config::config_error>(&loaded)) fail(2, path + ": " + err->message);
    return std::get<config::server_config>(std::move(loaded));
}

// --redis URL (repeatable): the Redis broker with these shards; the password, when Redis needs
// one, from KATA_RT_REDIS_PASSWORD (a command line is visible to every user of the machine).
void apply_redis(config::server_config& cfg, const std::vector<std::string>& urls) {
    if (urls.empty()) return;
    if (auto err = config::detail::use_redis_urls(urls, cfg.broker)) fail(2, err->message);
    if (const char* pw = std::getenv("KATA_RT_REDIS_PASSWORD"); pw && *pw) {
        cfg.broker.password_env = "KATA_RT_REDIS_PASSWORD";
        cfg.broker.password = pw;
    }
}

// The certificate and key must load now: a typo is an exit 2 naming the key, not a listener
// that fails every handshake.
void check_tls_or_exit(const std::string& path, const config::server_config& cfg) {
    if (!cfg.tls) return;
    const auto loaded = server::load_server_tls(*cfg.tls);
    if (!loaded.context) fail(2, path + ": " + loaded.message);
}

void apply_listen(config::server_config& cfg, const std::string& text) {
    if (text.empty()) return;
    auto listen = config::parse_listen(text);
    if (auto* err = std::get_if<std::string>(&listen)) fail(2, "--listen: " + *err);
    std::tie(cfg.listen_host, cfg.listen_port) =
        std::get<std::pair<std::string, std::uint16_t>>(listen);
}

std::string url_host(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string origins_text(const config::server_config& cfg) {
    std::string out;
    for (const auto& origin : cfg.allowed_origins)
        out += (out.empty() ? "" : ", ") + origin;
    return out;
}

// Text mode keeps the banner people and scripts know; json mode says the same as JSON lines.
void print_banner(const server::server& srv, const config::server_config& cfg,
                  const std::string& dev_key) {
    const bool json = server::current_log_format() == server::log_format::json;
    const char* env_key = std::getenv("KATA_RT_API_KEY");
    const bool key_from_env = env_key && dev_key == env_key;
    const std::string dev_line = "DEV MODE (no --config): team 'dev' owns every spec and agent";
    if (!dev_key.empty() && json) {
        // The one credential ever written to a log: the person starting a dev server needs it.
        if (key_from_env) {
            server::log_always(server::log_level::info, "kata-rt serve: " + dev_line,
                               {{"api_key_source", "KATA_RT_API_KEY"},
                                {"scopes", "subscribe publish admin"},
                                {"allowed_origins", origins_text(cfg)}});
        } else {
            server::log_always(server::log_level::info, "kata-rt serve: " + dev_line,
                               {{"api_key", dev_key},
                                {"scopes", "subscribe publish admin"},
                                {"allowed_origins", origins_text(cfg)}});
        }
    } else if (!dev_key.empty()) {
        std::cerr << "kata-rt serve: " << dev_line << ".\n";
        if (key_from_env) {
            std::cerr
                << "  API key: the value of KATA_RT_API_KEY (scopes subscribe, publish, admin)\n";
        } else {
            std::cerr << "  API key (shown once; scopes subscribe, publish, admin): " << dev_key
                      << "\n";
        }
        std::cerr << "  dev page: http://127.0.0.1:" << srv.port() << "/dev/login\n";
        std::cerr << "  allowed origins (cookie sessions, add more with --allow-origin): "
                  << origins_text(cfg) << "\n";
    }
    if (srv.admin_port() != 0) {
        const std::string admin =
            "http://" + url_host(cfg.admin_listen->first) + ":" + std::to_string(srv.admin_port());
        const std::string line = "admin on " + admin + " (/metrics, /healthz, /readyz)";
        if (json) {
            server::log_always(server::log_level::info, "kata-rt serve: " + line,
                               {{"admin_url", admin}});
        } else {
            std::cerr << "kata-rt serve: " << line << "\n";
        }
    }
    if (cfg.broker.remote()) {
        std::string shards;
        for (const auto& u : cfg.broker.urls)
            shards += (shards.empty() ? "" : ", ") + u;
        const std::string line = "broker: redis, " + std::to_string(cfg.broker.urls.size()) +
                                 " shard(s): " + shards + " (prefix " + cfg.broker.prefix + ")";
        if (json) {
            server::log_always(server::log_level::info, "kata-rt serve: " + line);
        } else {
            std::cerr << "kata-rt serve: " << line << "\n";
        }
    }
    const std::string url = std::string(cfg.tls ? "wss://" : "ws://") + url_host(cfg.listen_host) +
                            ":" + std::to_string(srv.port()) + "/v1/ws";
    const std::string version(config::version());
    if (json) {
        server::log_always(server::log_level::info, "kata-rt serve: listening on " + url,
                           {{"url", url}, {"version", version}});
    } else {
        // One write: a reader that waits for the URL sees the whole line.
        std::cerr << ("kata-rt serve: listening on " + url + " (kata-rt " + version + ")\n")
                  << std::flush;
    }
}

// The directory the config asks for: the application over HTTP, or the file's own entries.
std::shared_ptr<const auth::directory> make_directory(const config::server_config& cfg) {
    if (cfg.directory.http) return std::make_shared<directory::http_directory>(*cfg.directory.http);
    return std::make_shared<auth::file_directory>(cfg.directory);
}

// SIGHUP's certificate rotation: new connections get the new files, open ones stay.
void reload_tls(server::server& srv, const std::string& path) {
    if (!srv.config().tls) return;
    auto loaded = config::load_server_config(path);
    const auto* next = std::get_if<config::server_config>(&loaded);
    if (next == nullptr || !next->tls) return;  // reported by the directory reload (or restart)
    const auto error = srv.reload_tls(*next->tls);
    if (error.empty()) {
        server::log(server::log_level::info, "tls certificate reloaded",
                    {{"cert_file", next->tls->cert_file}});
    } else {
        server::log(server::log_level::error,
                    "tls reload failed, keeping the old certificate: " + error);
    }
}

// The config file as the server would start from it now: --listen and --redis still apply, so
// they are not reported as changed.
std::variant<config::server_config, config::config_error> load_as_started(
    const serve_options& opts) {
    auto loaded = config::load_server_config(opts.config_path);
    if (auto* next = std::get_if<config::server_config>(&loaded)) {
        apply_listen(*next, opts.listen);
        apply_redis(*next, opts.redis_urls);  // checked at start-up: cannot fail now
        apply_origins(*next, extra_origins(opts.allow_origins));
    }
    return loaded;
}

void reload(server::server& srv, const serve_options& opts,
            const std::shared_ptr<const auth::directory>& current) {
    const std::string& path = opts.config_path;
    if (path.empty()) {
        server::log(server::log_level::warn, "SIGHUP ignored: dev mode has no config file");
        return;
    }
    reload_tls(srv, path);
    if (const auto* http = dynamic_cast<const directory::http_directory*>(current.get())) {
        // The application is the source of truth: forgetting the cached answers is the reload.
        // Open connections are not re-checked all at once (that would storm the backend); each
        // is re-checked at its next subscribe.
        http->clear_cache();
        server::log(server::log_level::info, "directory cache cleared (HTTP directory)");
        auto loaded = load_as_started(opts);
        if (auto* next = std::get_if<config::server_config>(&loaded)) {
            const auto pending = config::keys_needing_restart(srv.config(), *next);
            if (!pending.empty()) {
                std::string keys;
                for (const auto& k : pending)
                    keys += (keys.empty() ? "" : ", ") + k;
                server::log(server::log_level::warn,
                            "changed in " + path + " but applied only after a restart: " + keys);
            }
        }
        return;
    }
    auto loaded = load_as_started(opts);
    if (auto* err = std::get_if<config::config_error>(&loaded)) {
        server::log(server::log_level::error,
                    "reload failed, keeping the old directory: " + err->message);
        return;
    }
    auto next = std::get<config::server_config>(std::move(loaded));
    if (next.directory.http) {
        server::log(server::log_level::error,
                    "reload failed, keeping the old directory: switching to directory.http needs "
                    "a restart");
        return;
    }
    srv.reload_directory(std::make_shared<auth::file_directory>(next.directory));
    server::log(server::log_level::info, "directory reloaded from " + path);
    // Only the directory is applied: say exactly what else changed and waits for a restart.
    const auto pending = config::keys_needing_restart(srv.config(), next);
    if (!pending.empty()) {
        std::string keys;
        for (const auto& k : pending)
            keys += (keys.empty() ? "" : ", ") + k;
        server::log(server::log_level::warn,
                    "changed in " + path + " but applied only after a restart: " + keys);
    }
}

// Past the open-file limit connections hang in the backlog instead of being refused: raise the
// soft limit to the hard one, and if max_connections still does not fit, lower it to what fits
// (connections past it get 4429) and say so.
// In dev mode max_connections is no one's choice: it is sized to the limit without a warning.
void check_open_files(config::server_config& cfg, bool dev_mode) {
    const auto files = server::raise_open_file_limit();
    if (files.soft == 0) return;  // unknown
    const auto fit = server::connections_that_fit(files.soft, cfg.limits.max_connections);
    if (fit >= cfg.limits.max_connections) return;
    if (dev_mode) {
        cfg.limits.max_connections = fit;
        return;
    }
    server::log(server::log_level::warn,
                "limits.max_connections " + std::to_string(cfg.limits.max_connections) + " plus " +
                    std::to_string(server::open_file_headroom(files.soft)) +
                    " descriptors of headroom exceeds the open files limit of " +
                    std::to_string(files.soft) + " (hard limit " + std::to_string(files.hard) +
                    "): accepting at most " + std::to_string(fit) +
                    " WebSocket connections; raise the limit (ulimit -n, systemd LimitNOFILE=) "
                    "to serve more");
    cfg.limits.max_connections = fit;
}

// --check-config: validate and say so, without binding anything.
void check_config(const serve_options& opts) {
    if (opts.config_path.empty()) fail(2, "--check-config needs --config FILE");
    auto cfg = load_or_exit(opts.config_path);
    apply_listen(cfg, opts.listen);
    apply_redis(cfg, opts.redis_urls);
    apply_origins(cfg, extra_origins(opts.allow_origins));
    check_tls_or_exit(opts.config_path, cfg);
    std::cout << "config ok: " << opts.config_path << std::endl;
}

void run_serve(const serve_options& opts) {
    server::set_log_level(parse_level(opts.log_level));
    if (opts.log_format == "json") server::set_log_format(server::log_format::json);
    if (opts.check_config) return check_config(opts);
    config::server_config cfg;
    std::string dev_key;
    if (opts.config_path.empty()) {
        // KATA_RT_API_KEY, when set, is the dev key: a restarted dev server keeps its clients.
        const char* env_key = std::getenv("KATA_RT_API_KEY");
        auto dev = config::make_dev_config(env_key && *env_key ? env_key : "");
        cfg = std::move(dev.config);
        dev_key = std::move(dev.api_key);
    } else {
        cfg = load_or_exit(opts.config_path);
        check_tls_or_exit(opts.config_path, cfg);
    }
    apply_listen(cfg, opts.listen);
    apply_redis(cfg, opts.redis_urls);
    apply_origins(cfg, extra_origins(opts.allow_origins));
    if (opts.log_format.empty() && cfg.log_format == "json") {
        server::set_log_format(server::log_format::json);
    }
    // The dev page connects from the server's own origin; with port 0 it is not known yet.
    if (!dev_key.empty() && cfg.listen_port != 0) config::allow_dev_origins(cfg, cfg.listen_port);

    // Signals are taken synchronously by this thread; server threads inherit the blocked mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    check_open_files(cfg, !dev_key.empty());

    const auto directory = make_directory(cfg);
    const config::server_config shown = cfg;
    server::server srv(std::move(cfg), directory);
    try {
        srv.start();
    } catch (const std::exception& e) {
        fail(1, "cannot listen on " + shown.listen_host + ": " + e.what());
    }
    print_banner(srv, shown, dev_key);

    for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0) continue;
        if (sig == SIGHUP) {
            reload(srv, opts, directory);
            continue;
        }
        server::log(server::log_level::info, "shutting down: closing connections with 1001");
        srv.stop(std::chrono::milliseconds(4000));
        return;
    }
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto opts = std::make_shared<serve_options>();
    auto* cmd = app.add_subcommand(
        "serve",
        "Run the WebSocket gateway. SIGHUP reloads the config file's directory and TLS "
        "certificate; SIGINT/SIGTERM "
        "close every connection with 1001 and exit 0. Exit 2: bad config or usage; 1: cannot "
        "listen");
    cmd->add_option("--config", opts->config_path,
                    "Config file (JSON, see docs/protocol.md). Without it: dev mode on "
                    "127.0.0.1:8080 with an API key printed once on stderr (or KATA_RT_API_KEY "
                    "when set)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--listen", opts->listen,
                    "HOST:PORT to listen on, overriding the config file (port 0: any free port; "
                    "IPv6 as [::1]:8080)");
    cmd->add_option("--log-level", opts->log_level,
                    "debug, info (default), warn or error. Logs never contain a credential")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
    cmd->add_option("--log-format", opts->log_format,
                    "text (default) or json: one JSON object per line on stderr (time, level, "
                    "msg, fields). Overrides the config file's log_format")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--redis", opts->redis_urls,
                    "redis://HOST:PORT[/DB] of a Redis shard (repeatable): several nodes share "
                    "channels and history through it, overriding the config file's broker. A "
                    "password comes from KATA_RT_REDIS_PASSWORD, never the URL");
    cmd->add_option("--allow-origin", opts->allow_origins,
                    "ORIGIN allowed to connect with a session cookie, e.g. "
                    "http://localhost:5173 (repeatable): added to the dev defaults (ports 3000 and "
                    "the server's own) in dev mode, or to the config file's allowed_origins. "
                    "Without it, KATA_RT_ALLOWED_ORIGINS (comma-separated) is used");
    cmd->add_flag("--check-config", opts->check_config,
                  "Validate the --config file (and load its tls files) and exit: 0 and \"config "
                  "ok\", or 2 and the key at fault. Binds nothing");
    cmd->callback([opts] { run_serve(*opts); });
}

}  // namespace kata::cli
