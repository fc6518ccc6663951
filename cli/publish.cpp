// `kata-rt publish`: send events through POST /v1/publish, one from flags or many as NDJSON.
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <variant>

#include "cli/commands.hpp"
#include "core/client/client_tls.hpp"
#include "core/protocol/json_scanner.hpp"
#include "core/protocol/publish_request.hpp"
#include "load/publish_client.hpp"
#include "load/url.hpp"

namespace kata::cli {
namespace {

namespace asio = boost::asio;

struct publish_options {
    std::string url = "http://127.0.0.1:8080";
    std::string api_key;
    std::string channel;
    std::string type;
    std::string payload = "{}";
    std::string file;
    std::string ca_file;  // https:// only; empty: the system's trust store
};

[[noreturn]] void fail(int code, const std::string& message) {
    std::cerr << "kata-rt publish: " << message << "\n";
    throw CLI::RuntimeError(code);
}

// One event as the publish API wants it; validated locally first so a typo is reported with its
// line number instead of as a 400 for a whole batch.
// `text` as a JSON string (invalid UTF-8 replaced, so a bad flag is refused, not thrown).
std::string quoted(const std::string& text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string event_json(const std::string& text, const std::string& where) {
    auto parsed = protocol::parse_publish_request(text);
    if (auto* err = std::get_if<protocol::publish_error>(&parsed)) fail(2, where + err->message);
    const auto& request = std::get<protocol::publish_request>(parsed);
    if (request.batch) fail(2, where + "one event per line, not an {\"events\":[...]} batch");
    const auto& item = request.items.front();
    return "{\"channel\":\"" + item.channel.str() + "\",\"type\":\"" + item.type +
           "\",\"payload\":" + item.payload_json + "}";
}

std::vector<std::string> read_ndjson(const std::string& path) {
    std::ifstream file;
    if (path != "-") {
        file.open(path);
        if (!file) fail(2, "cannot read " + path);
    }
    std::istream& in = path == "-" ? std::cin : file;
    std::vector<std::string> events;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        events.push_back(
            event_json(line, (path == "-" ? "stdin" : path) + ":" + std::to_string(number) + ": "));
    }
    if (events.empty()) fail(2, "no events in " + (path == "-" ? std::string("stdin") : path));
    return events;
}

// The ids of a 200 answer, in the order of the events sent.
std::vector<std::string> event_ids_of(const load::http_reply& reply) {
    const auto doc = nlohmann::json::parse(reply.body, nullptr, false);
    std::vector<std::string> ids;
    if (doc.is_object()) {
        if (auto it = doc.find("eventId"); it != doc.end() && it->is_string()) {
            ids.push_back(it->get<std::string>());
        } else if (auto arr = doc.find("eventIds"); arr != doc.end() && arr->is_array()) {
            for (const auto& id : *arr) {
                if (id.is_string()) ids.push_back(id.get<std::string>());
            }
        }
    }
    return ids;
}

void run_publish(const publish_options& opts) {
    auto parsed_url = load::parse_url(opts.url);
    if (auto* err = std::get_if<std::string>(&parsed_url)) fail(2, *err);
    auto url = std::get<load::endpoint_url>(parsed_url);
    if (url.scheme != "http" && url.scheme != "https") {
        fail(2, "--url must be http://HOST:PORT or https://HOST:PORT (the server's address)");
    }
    std::shared_ptr<ssl_ctx_st> tls;
    if (url.tls()) {
        try {
            tls = client::make_client_tls(opts.ca_file);
        } catch (const std::invalid_argument& e) {
            fail(2, e.what());
        }
    }
    // The address alone means the publish endpoint; a path is taken as given.
    if (url.target == "/") url.target = "/v1/publish";

    std::string key = opts.api_key;
    if (key.empty()) {
        if (const char* env = std::getenv("KATA_RT_API_KEY")) key = env;
    }
    if (key.empty()) fail(2, "no API key: pass --api-key or set KATA_RT_API_KEY");

    // Either the flags describe one event, or --file holds many.
    std::vector<std::string> bodies;
    std::vector<std::size_t> counts;
    if (!opts.file.empty()) {
        if (!opts.channel.empty() || !opts.type.empty()) {
            fail(2, "--file cannot be combined with --channel/--type/--payload");
        }
        const auto events = read_ndjson(opts.file);
        for (std::size_t i = 0; i < events.size(); i += protocol::max_publish_batch) {
            const std::size_t n = std::min(protocol::max_publish_batch, events.size() - i);
            std::string body = "{\"events\":[";
            for (std::size_t k = 0; k < n; ++k)
                body += (k == 0 ? "" : ",") + events[i + k];
            bodies.push_back(body + "]}");
            counts.push_back(n);
        }
    } else {
        if (opts.channel.empty() || opts.type.empty()) {
            fail(2, "give --channel and --type (and --payload), or --file PATH|-");
        }
        // The payload goes out as written (its digits, key order and escapes), not through a
        // JSON DOM that would re-serialize it; it is only validated here.
        protocol::json_scanner payload(opts.payload, 64);
        if (!payload.copy_value(nullptr, 0) || !payload.at_end()) {
            fail(2, "--payload is not valid JSON");
        }
        bodies.push_back(event_json("{\"channel\":" + quoted(opts.channel) + ",\"type\":" +
                                        quoted(opts.type) + ",\"payload\":" + opts.payload + "}",
                                    ""));
        counts.push_back(1);
    }

    asio::io_context io;
    int exit_code = 0;
    std::size_t published = 0;
    auto send_all = [&]() -> asio::awaitable<void> {
        load::publish_client client(io.get_executor(), url, key, std::chrono::seconds(10), tls);
        for (std::size_t b = 0; b < bodies.size(); ++b) {
            load::http_reply reply;
            try {
                reply = co_await client.post(bodies[b]);
            } catch (const boost::system::system_error& e) {
                std::cerr << "kata-rt publish: cannot reach " << url.str() << ": "
                          << e.code().message() << "\n";
                exit_code = 1;
                break;
            } catch (const load::tls_failure& e) {
                // A certificate that does not verify is refused: nothing was sent.
                std::cerr << "kata-rt publish: " << e.what() << "\n";
                exit_code = 1;
                break;
            }
            if (reply.status != 200) {
                std::cerr << "kata-rt publish: server answered " << reply.status << ": "
                          << load::error_message_of(reply) << "\n";
                exit_code = 1;
                break;
            }
            for (const auto& id : event_ids_of(reply))
                std::cout << id << "\n";
            published += counts[b];
        }
    };
    asio::co_spawn(io, send_all(), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.run();
    std::cout.flush();
    if (exit_code != 0) {
        if (published > 0) {
            std::cerr << "kata-rt publish: " << published
                      << " events were published before the failure (their ids are above)\n";
        }
        throw CLI::RuntimeError(exit_code);
    }
}

}  // namespace

void add_publish_command(CLI::App& app) {
    auto opts = std::make_shared<publish_options>();
    auto* cmd = app.add_subcommand(
        "publish",
        "Publish events through POST /v1/publish and print each event's eventId on stdout. Exit "
        "0: every event was published; 1: the server refused one or could not be reached (the "
        "ids of those published before the failure are printed); 2: bad usage or an invalid "
        "event, nothing sent");
    cmd->add_option("--url", opts->url,
                    "Server address, http://HOST:PORT, or https://HOST:PORT for TLS (the "
                    "certificate must verify for HOST; a failure exits 1)")
        ->capture_default_str();
    cmd->add_option("--ca-file", opts->ca_file,
                    "https:// only: PEM file of the CA that signed the server's certificate "
                    "(default: the system's trust store)");
    cmd->add_option("--api-key", opts->api_key,
                    "API key with the publish scope (default: $KATA_RT_API_KEY)");
    cmd->add_option("--channel", opts->channel, "Channel of the one event, e.g. agent:123");
    cmd->add_option("--type", opts->type,
                    "Event type: agent_status_changed, log_entry, spec_updated, task_completed "
                    "or blocker_raised");
    cmd->add_option("--payload", opts->payload, "Payload of the one event, a JSON object")
        ->capture_default_str();
    cmd->add_option("--file", opts->file,
                    "NDJSON file of events ({\"channel\",\"type\",\"payload\"} per line), "
                    "'-' for stdin; sent in batches of up to 1000");
    cmd->callback([opts] { run_publish(*opts); });
}

}  // namespace kata::cli
