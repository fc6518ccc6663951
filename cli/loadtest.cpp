// `kata-rt loadtest`: an open-model load run against a gateway (or an embedded one), judged by
// --threshold expressions. Exit 0: thresholds hold; 1: one is breached; 2: the run could not
// happen.
#include <poll.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "core/auth/file_directory.hpp"
#include "core/client/client_tls.hpp"
#include "core/config/dev_config.hpp"
#include "core/protocol/channel.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/server.hpp"
#include "core/server/tls/tls_transport.hpp"
#include "load/duration_text.hpp"
#include "load/nodes.hpp"
#include "load/process_limits.hpp"
#include "load/runner.hpp"
#include "load/threshold.hpp"

namespace kata::cli {
namespace {

struct loadtest_options {
    std::vector<std::string> urls{"ws://127.0.0.1:8080/v1/ws"};
    bool pin_channels = false;
    bool deflate = false;
    bool log_payload = false;
    std::string api_key;
    std::size_t connections = 100;
    std::size_t channels = 1;
    std::string channel_prefix = "spec:load-";
    std::vector<std::string> channel_names;  // --channel: explicit names instead of the prefix
    bool channels_given = false;             // --channels was on the command line
    double rate = 100;
    std::string duration = "10s";
    std::string ramp = "1s";
    std::size_t payload_bytes = 64;
    double churn = 0;
    std::vector<std::string> thresholds;
    std::string json_path;
    int server_pid = 0;
    bool embedded = false;
    unsigned server_threads = 1;
    std::size_t threads = 1;
    std::string ca_file;  // wss:// only; empty: the system's trust store
};

[[noreturn]] void fail(int code, const std::string& message) {
    std::cerr << "kata-rt loadtest: " << message << "\n";
    throw CLI::RuntimeError(code);
}

std::chrono::milliseconds duration_flag(const std::string& flag, const std::string& text) {
    const auto parsed = load::parse_duration_text(text);
    if (!parsed) fail(2, flag + " '" + text + "': expected e.g. 10s, 500ms, 2m");
    return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
}

// The scenario from the flags; every mistake is a usage error (exit 2) before anything connects.
load::scenario scenario_from(const loadtest_options& opts) {
    load::scenario sc;
    if (!opts.embedded) {
        if (auto err = load::set_nodes(sc, opts.urls)) fail(2, "--url: " + *err);
        if (sc.ws_url.tls()) {
            try {
                sc.tls = client::make_client_tls(opts.ca_file);
            } catch (const std::invalid_argument& e) {
                fail(2, e.what());
            }
        }
        sc.api_key = opts.api_key;
        if (sc.api_key.empty()) {
            if (const char* env = std::getenv("KATA_RT_API_KEY")) sc.api_key = env;
        }
        if (sc.api_key.empty()) {
            fail(2, "no API key: pass --api-key or set KATA_RT_API_KEY (or use --embedded)");
        }
    }
    if (opts.connections == 0) fail(2, "--connections must be at least 1");
    std::size_t channels = opts.channels;
    if (!opts.channel_names.empty()) {
        for (const auto& name : opts.channel_names) {
            if (!protocol::parse_channel(name)) {
                fail(2, "--channel '" + name + "' is not a channel: (spec|agent|team):ID");
            }
        }
        if (opts.channels_given && opts.channels != opts.channel_names.size()) {
            fail(2, "--channels " + std::to_string(opts.channels) + " but " +
                        std::to_string(opts.channel_names.size()) +
                        " --channel names: give one or the other");
        }
        channels = opts.channel_names.size();
        sc.channel_names = opts.channel_names;
    }
    if (channels == 0 || channels > opts.connections) {
        fail(2, opts.channel_names.empty()
                    ? "--channels must be between 1 and --connections"
                    : "more --channel names than --connections: each channel needs a subscriber");
    }
    if (opts.pin_channels && channels < sc.node_count()) {
        fail(2, "--pin-channels needs at least one channel per node (--channels >= nodes)");
    }
    sc.pin_channels = opts.pin_channels;
    sc.deflate = opts.deflate;
    sc.log_payload = opts.log_payload;
    if (!(opts.rate >= 0) || opts.rate > 10'000'000) fail(2, "--rate must be 0..10000000");
    sc.connections = opts.connections;
    sc.channels = channels;
    sc.channel_prefix = opts.channel_prefix;
    sc.rate = opts.rate;
    sc.duration = duration_flag("--duration", opts.duration);
    sc.ramp = duration_flag("--ramp", opts.ramp);
    sc.payload_bytes = opts.payload_bytes;
    if (!(opts.churn >= 0) || opts.churn > 100'000) fail(2, "--churn must be 0..100000");
    sc.churn = opts.churn;
    if (opts.threads == 0 || opts.threads > 256) fail(2, "--threads must be 1..256");
    sc.threads = opts.threads;
    if (opts.server_pid > 0) {
        sc.server_pid = static_cast<pid_t>(opts.server_pid);
        sc.server_rss_note = "pid " + std::to_string(opts.server_pid);
    }
    return sc;
}

std::vector<load::threshold> thresholds_from(const loadtest_options& opts) {
    std::vector<load::threshold> out;
    for (const auto& text : opts.thresholds) {
        auto parsed = load::parse_threshold(text);
        if (auto* err = std::get_if<std::string>(&parsed)) fail(2, *err);
        out.push_back(std::get<load::threshold>(parsed));
    }
    return out;
}

// The gateway in this process on 127.0.0.1:0, with the dev directory (a generated key; every
// spec id owned by its team), so `loadtest --embedded` needs no setup at all.
std::unique_ptr<server::server> start_embedded(load::scenario& sc, unsigned threads) {
    auto dev = config::make_dev_config();
    dev.config.listen_host = "127.0.0.1";
    dev.config.listen_port = 0;
    dev.config.threads = threads;
    dev.config.limits.max_connections =
        std::max<std::size_t>(dev.config.limits.max_connections, sc.connections + 16);
    server::set_log_level(server::log_level::warn);
    auto directory = std::make_shared<auth::file_directory>(dev.config.directory);
    auto srv = std::make_unique<server::server>(std::move(dev.config), std::move(directory));
    try {
        srv->start();
    } catch (const std::exception& e) {
        fail(2, std::string("cannot start the embedded server: ") + e.what());
    }
    sc.ws_url = load::endpoint_url{"ws", "127.0.0.1", srv->port(), "/v1/ws"};
    sc.publish_url = load::publish_url_for(sc.ws_url);
    sc.api_key = dev.api_key;
    sc.server_pid = getpid();
    sc.server_rss_note = "embedded: server and load client in one process";
    return srv;
}

// One TLS handshake before the run: a certificate that does not verify ends it at once (exit 1)
// instead of as one connect failure per connection. Anything else (refused, timed out) is left
// to the run, which reports it.
void check_certificate(const load::scenario& sc) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    asio::ip::tcp::resolver resolver(io);
    boost::system::error_code ec;
    asio::connect(socket, resolver.resolve(sc.ws_url.host, std::to_string(sc.ws_url.port), ec), ec);
    if (ec) return;
    socket.non_blocking(true, ec);
    server::tls_transport tls(sc.tls.get(), socket.native_handle(), sc.ws_url.host);
    using status = server::tls_transport::status;
    for (int waits = 0; waits < 20; ++waits) {
        const auto r = tls.handshake();
        if (r.state == status::ok || r.state == status::closed) return;
        if (r.state == status::failed) {
            if (const auto why = client::verify_failure(tls.native_handle()); !why.empty()) {
                fail(1, "TLS with " + sc.ws_url.host_header() + ": " + why +
                            " (is --ca-file the CA that signed the server's certificate?)");
            }
            return;
        }
        const short events = r.state == status::want_read ? POLLIN : POLLOUT;
        pollfd p{socket.native_handle(), events, 0};
        if (::poll(&p, 1, 5000) <= 0) return;  // a silent server is for the run to report
    }
}

void run(const loadtest_options& opts) {
    auto sc = scenario_from(opts);
    if (sc.tls) check_certificate(sc);
    const auto checks = thresholds_from(opts);
    std::ofstream json_out;
    // `--json -`: the JSON alone on stdout (for a pipe); the human report goes to stderr.
    const bool json_to_stdout = opts.json_path == "-";
    if (!opts.json_path.empty() && !json_to_stdout) {
        json_out.open(opts.json_path);  // opened now so a bad path fails before the run
        if (!json_out) fail(2, "--json: cannot write " + opts.json_path);
    }

    const auto limit = load::raise_open_file_limit();
    const std::size_t sockets = sc.connections * (opts.embedded ? 2 : 1);  // both ends in-process
    if (auto problem = load::open_file_limit_problem(sockets, limit); !problem.empty()) {
        fail(2, "open-file limit too low: " + problem);
    }

    std::unique_ptr<server::server> embedded;
    if (opts.embedded) embedded = start_embedded(sc, opts.server_threads);

    auto outcome = load::run_loadtest(sc);
    if (embedded) embedded->stop(std::chrono::milliseconds(2000));

    const auto results = load::evaluate_thresholds(checks, outcome.result);
    load::print_report(json_to_stdout ? std::cerr : std::cout, outcome.result, results);
    if (json_to_stdout) {
        std::cout << load::report_json(outcome.result, results);
    } else if (json_out.is_open()) {
        json_out << load::report_json(outcome.result, results);
    }
    std::cout.flush();

    if (!outcome.not_run_reason.empty())
        fail(2, "the run could not happen: " + outcome.not_run_reason);
    std::string breached;
    for (const auto& r : results) {
        if (!r.holds)
            breached +=
                (breached.empty() ? "" : ", ") + r.check.text + " (observed " + r.observed + ")";
    }
    if (!breached.empty()) fail(1, "threshold breached: " + breached);
}

}  // namespace

void add_loadtest_command(CLI::App& app) {
    auto opts = std::make_shared<loadtest_options>();
    auto* cmd = app.add_subcommand(
        "loadtest",
        "Open-model load test: N subscribers, events published at a constant rate, exact loss "
        "accounting and latency from the scheduled send time. Exit 0 thresholds hold, 1 one is "
        "breached, 2 the run could not happen");
    cmd->add_option("--url", opts->urls,
                    "WebSocket URL of a gateway node, ws:// or wss:// (TLS); the publish API is "
                    "http(s)://same-host:port/v1/publish. Repeatable, one per node: connection i "
                    "goes to node i % nodes, "
                    "each publish request to the next node in turn, and a --churn cut reconnects "
                    "to the next node (so nodes must share channels, e.g. one Redis broker)")
        ->capture_default_str();
    cmd->add_flag("--pin-channels", opts->pin_channels,
                  "With several --url nodes that share nothing (memory brokers): channel c lives "
                  "on node c % nodes, so its subscribers connect there, its events are published "
                  "there and a --churn cut reconnects there");
    cmd->add_flag("--deflate", opts->deflate,
                  "Offer permessage-deflate on every connection and inflate what the server "
                  "compresses; the report shows bytes received on the wire beside the messages' "
                  "own size");
    cmd->add_flag("--log-payload", opts->log_payload,
                  "Fill each event's payload with generated agent log lines (timestamps, paths, "
                  "versions) instead of 'x's, so compression sees realistic text");
    cmd->add_option("--ca-file", opts->ca_file,
                    "wss:// only: PEM file of the CA that signed the server's certificate "
                    "(default: the system's trust store). A certificate that does not verify "
                    "exits 1 before the run");
    cmd->add_option("--api-key", opts->api_key,
                    "API key with scopes subscribe and publish (default: $KATA_RT_API_KEY)");
    cmd->add_option("--connections", opts->connections,
                    "WebSocket connections (one subscription each)")
        ->capture_default_str();
    auto* channels_opt =
        cmd->add_option("--channels", opts->channels,
                        "Channels the connections are spread over (connection i -> channel i % N)")
            ->capture_default_str();
    cmd->add_option("--channel-prefix", opts->channel_prefix,
                    "Channel c is PREFIX + c; the key's team must be allowed on them")
        ->capture_default_str();
    cmd->add_option("--channel", opts->channel_names,
                    "Channel NAME to use instead of PREFIX + c, e.g. team:dev (repeatable; "
                    "connection i subscribes to the (i % count)-th). Sets --channels to the count");
    cmd->add_option(
           "--rate", opts->rate,
           "Events per second over all channels, on a constant schedule (0: connections only)")
        ->capture_default_str();
    cmd->add_option("--duration", opts->duration, "Publishing time (e.g. 10s, 500ms, 2m)")
        ->capture_default_str();
    cmd->add_option("--ramp", opts->ramp, "Connections are opened evenly over this time")
        ->capture_default_str();
    cmd->add_option("--payload-bytes", opts->payload_bytes, "Size of each event's payload object")
        ->capture_default_str();
    cmd->add_option("--churn", opts->churn,
                    "Connections cut per second during publishing (over all connections): a "
                    "random subscriber's socket is closed without a close frame, then it "
                    "reconnects and resubscribes with since = the last eventId it received")
        ->capture_default_str();
    cmd->add_option("--threshold", opts->thresholds,
                    "Pass/fail check, repeatable: p50|p90|p99|p99.9|max [<,<=,==,>=,>] N(us|ms|s), "
                    "connect_p99<100ms, loss==0, duplicated==0, reordered==0, disconnects==0, "
                    "connect_failed==0, churned>0, unrecovered==0, reconnect_failed==0");
    cmd->add_option("--json", opts->json_path,
                    "Also write the whole report as JSON to FILE; with -, the JSON alone goes to "
                    "stdout and the human report to stderr");
    cmd->add_option("--threads", opts->threads,
                    "Threads reading the subscriber connections (connection i on thread i % N), "
                    "plus one for the publisher, churn and progress. Raise it when the report "
                    "shows a load client thread busy most of the run")
        ->capture_default_str();
    cmd->add_option("--server-pid", opts->server_pid,
                    "Pid of a local server, to report its peak RSS (VmHWM) and its CPU time over "
                    "the run (/proc/PID/stat) next to the load client's");
    cmd->add_flag("--embedded", opts->embedded,
                  "Start the gateway in this process on 127.0.0.1 with a generated key (--url and "
                  "--api-key are ignored)");
    cmd->add_option("--server-threads", opts->server_threads,
                    "Threads of the --embedded server (its CPU is reported as this process's "
                    "minus the load client's threads)")
        ->capture_default_str();
    cmd->callback([opts, channels_opt] {
        opts->channels_given = channels_opt->count() > 0;
        run(*opts);
    });
}

}  // namespace kata::cli
