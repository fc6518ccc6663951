// `kata-rt subscribe`: tails channels as NDJSON on stdout, reconnecting through server restarts.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/commands.hpp"
#include "core/client/reconnecting_client.hpp"
#include "core/client/revocation.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/error_code.hpp"

namespace kata::cli {
namespace {

namespace asio = boost::asio;

struct subscribe_options {
    std::string url = "ws://127.0.0.1:8080/v1/ws";
    std::string api_key;
    std::string session;
    std::string origin;
    std::string cookie_name = "kata_session";
    std::string ca_file;  // wss:// only; empty: the system's trust store
    std::vector<std::string> channels;
    std::size_t count = 0;  // 0: no limit
    double timeout = 0;     // seconds; 0: no limit
    bool no_deflate = false;
};

[[noreturn]] void fail(int code, const std::string& message) {
    std::cerr << "kata-rt subscribe: " << message << "\n";
    throw CLI::RuntimeError(code);
}

void note(const std::string& line) {
    std::cerr << "kata-rt subscribe: " << line << std::endl;
}

// Errors about a channel that no reconnect will fix: the run cannot deliver what was asked.
bool is_terminal_channel_error(const client::client_error& err) {
    return err.kind == client::error_kind::server_error && err.channel &&
           (err.code == protocol::error_code::forbidden ||
            err.code == protocol::error_code::invalid_channel ||
            err.code == protocol::error_code::subscription_limit);
}

client::client_options make_client_options(const subscribe_options& opts) {
    client::client_options out;
    out.url = opts.url;
    out.ca_file = opts.ca_file;
    out.deflate = !opts.no_deflate;
    out.api_key = opts.api_key;
    // The environment keeps the key out of `ps` and shell history; an explicit --session wins.
    if (out.api_key.empty() && opts.session.empty()) {
        if (const char* env = std::getenv("KATA_RT_API_KEY")) out.api_key = env;
    }
    if (!out.api_key.empty() && !opts.session.empty()) {
        fail(2, "give either --api-key or --session, not both");
    }
    if (out.api_key.empty() && opts.session.empty()) {
        fail(2, "no credential: give --api-key, set KATA_RT_API_KEY, or give --session + --origin");
    }
    if (!opts.session.empty()) {
        if (opts.origin.empty()) fail(2, "--session needs --origin (the server checks it)");
        out.session_token = opts.session;
        out.cookie_name = opts.cookie_name;
    }
    out.origin = opts.origin;
    return out;
}

void run_subscribe(const subscribe_options& opts) {
    if (opts.channels.empty()) fail(2, "give one or more channels, e.g. spec:7 agent:123");
    std::vector<protocol::channel_name> channels;
    for (const auto& text : opts.channels) {
        auto channel = protocol::parse_channel(text);
        if (!channel) fail(2, "'" + text + "' is not a channel: (spec|agent|team):ID");
        channels.push_back(std::move(*channel));
    }
    if (opts.timeout < 0) fail(2, "--timeout must be 0 or more seconds");
    auto client_opts = make_client_options(opts);

    asio::io_context io;
    asio::steady_timer deadline(io);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    std::size_t delivered = 0;
    std::optional<std::string> failure;  // set: exit 1 with this reason
    bool failure_said = false;           // the reason is on stderr already: exit 1 quietly
    bool closing = false;                // we asked for the close, so it is not a failure
    bool connected = false;              // the server accepted the credential at least once
    bool subscribed = false;             // the server confirmed a subscription at least once

    std::unique_ptr<client::reconnecting_client> client;
    // `said`: the reason was just printed, so it is not printed a second time at exit.
    auto stop = [&](std::optional<std::string> why, bool said = false) {
        if (closing) return;
        closing = true;
        failure = std::move(why);
        failure_said = said && failure.has_value();
        client->close();
    };

    client::client_callbacks callbacks;
    callbacks.connecting = [&] { note("connecting to " + opts.url); };
    callbacks.connected = [&] {
        connected = true;
        note("connected");
    };
    callbacks.reconnecting = [&](const client::reconnect_info& info) {
        note("connection ended (" + std::to_string(info.code) + " " + info.reason +
             "); reconnecting in " + std::to_string(info.delay.count()) + " ms");
    };
    callbacks.subscribed = [&](const std::string& channel, std::optional<bool> recovered) {
        subscribed = true;
        // A resume the server could not recover, or events the server lost while this
        // subscription stayed (it then sends the same answer unasked): either way a gap.
        if (recovered == std::optional<bool>{false}) {
            note("warning: " + channel +
                 ": events may have been missed (recovered: false); reload state");
        } else {
            note("subscribed " + channel);
        }
    };
    callbacks.error = [&](const client::client_error& err) {
        std::string line = "error";
        // Like forbidden, a revocation ends the run: the client stopped resubscribing that
        // channel, so what was asked can no longer be delivered.
        if (err.code == client::revoked_code && err.channel) {
            line = "subscription to " + *err.channel + " revoked by the server";
            note(line + ": this key or session may no longer read it; not resubscribing");
            stop(line, true);
            return;
        }
        if (!err.code.empty()) line += " " + err.code;
        if (err.channel) line += " on " + *err.channel;
        note(line + ": " + err.message);
        if (is_terminal_channel_error(err)) stop(line + ": " + err.message, true);
    };
    callbacks.disconnected = [&](const client::disconnect_info& info) {
        deadline.cancel();
        signals.cancel();
        const auto what = "disconnected (" + std::to_string(info.code) + " " + info.reason + ")";
        if (closing) {
            note(what);
        } else {
            failure = what;  // printed once, by fail()
        }
    };

    try {
        client = std::make_unique<client::reconnecting_client>(io, client_opts, callbacks);
    } catch (const std::invalid_argument& e) {
        fail(2, e.what());
    }
    for (const auto& channel : channels) {
        client->subscribe(channel, [&](const protocol::envelope& env) {
            if (closing) return;
            // One compact JSON object per line, flushed, so `| jq` sees each event at once.
            const auto line = protocol::serialize_envelope(env) + "\n";
            std::fwrite(line.data(), 1, line.size(), stdout);
            std::fflush(stdout);
            if (opts.count != 0 && ++delivered >= opts.count) stop(std::nullopt);
        });
    }

    if (opts.timeout > 0) {
        deadline.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(opts.timeout)));
        deadline.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            // With --count the timeout means the events did not come; without, it is the plan.
            if (opts.count != 0) {
                stop("timed out after " + std::to_string(delivered) + " of " +
                     std::to_string(opts.count) + " events");
            } else {
                stop(std::nullopt);
            }
        });
    }
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) stop(std::nullopt);
    });

    client->start();
    io.run();
    client.reset();
    if (failure && failure_said) throw CLI::RuntimeError(1);
    if (failure) fail(1, *failure);
    // Nothing was ever delivered or confirmed: a script must not read that as success.
    if (!connected) fail(1, "never connected to " + opts.url);
    if (!subscribed) fail(1, "connected, but no subscription was confirmed");
}

}  // namespace

void add_subscribe_command(CLI::App& app) {
    auto opts = std::make_shared<subscribe_options>();
    auto* cmd = app.add_subcommand(
        "subscribe",
        "Print the events of one or more channels as NDJSON on stdout (lifecycle and errors on "
        "stderr), reconnecting and resuming until --count, --timeout, Ctrl-C or a terminal "
        "failure. When the server says events of a channel were lost (a resume it could not "
        "recover, or a gap while subscribed) a \"warning: CHANNEL: events may have been missed\" "
        "line goes to stderr and the events go on. Exit 0 when done, 1 on a terminal failure "
        "(e.g. close 4401) or when the run never connected or never had a subscription "
        "confirmed, 2 on bad usage");
    cmd->add_option("channels", opts->channels,
                    "Channels to tail, one or more: spec:ID, agent:ID or team:ID");
    cmd->add_option("--url", opts->url,
                    "WebSocket endpoint, ws://HOST:PORT/v1/ws, or wss://HOST:PORT/v1/ws for TLS "
                    "(the certificate must verify for HOST; a failure exits 1, no retry)")
        ->capture_default_str();
    cmd->add_option("--ca-file", opts->ca_file,
                    "wss:// only: PEM file of the CA that signed the server's certificate "
                    "(default: the system's trust store)");
    cmd->add_option("--api-key", opts->api_key,
                    "API key with the subscribe scope (default: $KATA_RT_API_KEY, which keeps the "
                    "key out of ps and shell history)");
    cmd->add_option("--session", opts->session,
                    "Session token to send as a cookie instead of an API key; needs --origin");
    cmd->add_option("--origin", opts->origin,
                    "Origin header for --session, e.g. http://localhost:3000 (must be in the "
                    "server's allowed_origins)");
    cmd->add_option("--cookie-name", opts->cookie_name, "Name of the session cookie")
        ->capture_default_str();
    cmd->add_flag("--no-deflate", opts->no_deflate,
                  "Do not offer permessage-deflate (by default events arrive compressed when the "
                  "server allows it; the output is the same either way)");
    cmd->add_option("--count", opts->count, "Exit 0 after N events (default: no limit)");
    cmd->add_option("--timeout", opts->timeout,
                    "Stop after SECONDS (fractions allowed): exit 0, or 1 if --count events have "
                    "not all arrived (default: no limit)");
    cmd->callback([opts] { run_subscribe(*opts); });
}

}  // namespace kata::cli
