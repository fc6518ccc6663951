// `kata-rt serve`: runs the gateway until SIGINT/SIGTERM; SIGHUP reloads the directory.
#include <pthread.h>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/auth/file_directory.hpp"
#include "core/config/config_diff.hpp"
#include "core/config/config_parser.hpp"
#include "core/config/dev_config.hpp"
#include "core/directory/http_directory.hpp"
#include "core/server/log.hpp"
#include "core/server/open_file_limit.hpp"
#include "core/server/server.hpp"

namespace kata::cli {
namespace {

struct serve_options {
    std::string config_path;
    std::string listen;
    std::string log_level = "info";
};

server::log_level parse_level(const std::string& name) {
    if (name == "debug") return server::log_level::debug;
    if (name == "warn") return server::log_level::warn;
    if (name == "error") return server::log_level::error;
    return server::log_level::info;
}

config::server_config load_or_exit(const std::string& path) {
    auto loaded = config::load_server_config(path);
    if (auto* err = std::get_if<config::config_error>(&loaded)) {
        std::cerr << "kata-rt serve: " << path << ": " << err->message << "\n";
        throw CLI::RuntimeError(2);
    }
    return std::get<config::server_config>(std::move(loaded));
}

// The directory the config asks for: the application over HTTP, or the file's own entries.
std::shared_ptr<const auth::directory> make_directory(const config::server_config& cfg) {
    if (cfg.directory.http) return std::make_shared<directory::http_directory>(*cfg.directory.http);
    return std::make_shared<auth::file_directory>(cfg.directory);
}

void reload(server::server& srv, const std::string& path,
            const std::shared_ptr<const auth::directory>& current) {
    if (path.empty()) {
        server::log(server::log_level::warn, "SIGHUP ignored: dev mode has no config file");
        return;
    }
    if (const auto* http = dynamic_cast<const directory::http_directory*>(current.get())) {
        // The application is the source of truth: forgetting the cached answers is the reload.
        // Open connections are not re-checked all at once (that would storm the backend); each
        // is re-checked at its next subscribe.
        http->clear_cache();
        server::log(server::log_level::info, "directory cache cleared (HTTP directory)");
        auto loaded = config::load_server_config(path);
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
    auto loaded = config::load_server_config(path);
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
void check_open_files(config::server_config& cfg) {
    const auto files = server::raise_open_file_limit();
    if (files.soft == 0) return;  // unknown
    const auto fit = server::connections_that_fit(files.soft, cfg.limits.max_connections);
    if (fit >= cfg.limits.max_connections) return;
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

void run_serve(const serve_options& opts) {
    server::set_log_level(parse_level(opts.log_level));
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
    }
    if (!opts.listen.empty()) {
        auto listen = config::parse_listen(opts.listen);
        if (auto* err = std::get_if<std::string>(&listen)) {
            std::cerr << "kata-rt serve: --listen: " << *err << "\n";
            throw CLI::RuntimeError(2);
        }
        std::tie(cfg.listen_host, cfg.listen_port) =
            std::get<std::pair<std::string, std::uint16_t>>(listen);
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

    check_open_files(cfg);

    const auto directory = make_directory(cfg);
    const std::string host = cfg.listen_host;
    server::server srv(std::move(cfg), directory);
    try {
        srv.start();
    } catch (const std::exception& e) {
        std::cerr << "kata-rt serve: cannot listen on " << host << ": " << e.what() << "\n";
        throw CLI::RuntimeError(1);
    }
    if (!dev_key.empty()) {
        std::cerr
            << "kata-rt serve: DEV MODE (no --config): team 'dev' owns every spec and agent.\n";
        if (std::getenv("KATA_RT_API_KEY") && dev_key == std::getenv("KATA_RT_API_KEY")) {
            std::cerr << "  API key: the value of KATA_RT_API_KEY (scopes subscribe, publish)\n";
        } else {
            std::cerr << "  API key (shown once; scopes subscribe, publish): " << dev_key << "\n";
        }
        std::cerr << "  dev page: http://127.0.0.1:" << srv.port() << "/dev/login\n";
    }
    const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    std::cerr << "kata-rt serve: listening on ws://" << shown_host << ":" << srv.port() << "/v1/ws"
              << std::endl;

    for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0) continue;
        if (sig == SIGHUP) {
            reload(srv, opts.config_path, directory);
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
    auto* cmd = app.add_subcommand("serve", "Run the WebSocket gateway");
    cmd->add_option("--config", opts->config_path,
                    "Config file (JSON, see README). Without it: dev mode on 127.0.0.1:8080 with a "
                    "API key printed on stderr (or KATA_RT_API_KEY when set)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--listen", opts->listen,
                    "HOST:PORT to listen on, overriding the config file (port 0: any free port)");
    cmd->add_option("--log-level", opts->log_level, "debug, info, warn or error")
        ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
    cmd->callback([opts] { run_serve(*opts); });
}

}  // namespace kata::cli
