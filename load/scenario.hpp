#pragma once
#include <openssl/types.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "load/url.hpp"

namespace kata::load {

using std::chrono::milliseconds;

// What one `kata-rt loadtest` run does. Every phase is bounded, so a run always ends by itself
// after at most ramp + settle + duration + drain + close_grace.
struct scenario {
    endpoint_url ws_url;              // the first (or only) node (plus its publish API)
    endpoint_url publish_url;         // http(s)://same host:port/v1/publish
    std::shared_ptr<ssl_ctx_st> tls;  // wss:// only: the client context (client_tls.hpp)
    // Further nodes (--url repeated), all ws:// or all wss://, their publish API on the same
    // host:port. Connections are spread round-robin over all nodes; publishes go to each node in
    // turn.
    std::vector<endpoint_url> more_nodes;
    // --pin-channels: channel c lives on node c % nodes (its subscribers connect there and its
    // events are published there), for nodes that share no broker.
    bool pin_channels = false;
    bool deflate = false;           // --deflate: offer permessage-deflate and inflate what comes
    bool log_payload = false;       // --log-payload: pad events with log text, not 'x's
    std::string api_key;            // needs the subscribe and publish (or publish_any) scopes
    std::size_t connections = 100;  // WebSocket connections, one subscription each
    std::size_t channels = 1;       // connection i subscribes to channel i % channels
    std::string channel_prefix = "spec:load-";  // channel c is prefix + c
    double rate = 100;                    // events/s over all channels, on a constant schedule
    milliseconds duration{10000};         // publishing phase
    milliseconds ramp{1000};              // connections are opened evenly over this
    std::size_t payload_bytes = 64;       // size of each event's payload object
    double churn = 0;                     // --churn: connections cut (then resumed) per second
    std::size_t threads = 1;              // subscriber threads; connection i on thread i % threads
    milliseconds connect_timeout{10000};  // per connection: TCP + upgrade + subscribed
    milliseconds drain{5000};         // after the last publish, wait at most this for deliveries
    milliseconds close_grace{2000};   // then close every connection, waiting at most this
    milliseconds publish_tick{1};     // events due within one tick share one POST
    std::optional<pid_t> server_pid;  // read its peak RSS (VmHWM) when set
    std::string server_rss_note;      // printed next to the RSS

    // --channel NAME (repeatable): these names instead of prefix + index; `channels` is their
    // count.
    std::vector<std::string> channel_names;

    std::string channel_name(std::size_t c) const {
        return c < channel_names.size() ? channel_names[c] : channel_prefix + std::to_string(c);
    }

    std::size_t node_count() const { return 1 + more_nodes.size(); }
    const endpoint_url& node_url(std::size_t k) const {
        return k == 0 ? ws_url : more_nodes[k - 1];
    }
    // The node run-wide connection i (on channel i % channels) first connects to.
    std::size_t node_of_connection(std::size_t i) const {
        return (pin_channels ? i % channels : i) % node_count();
    }
    // Where a connection cut by --churn on node k reconnects: the next node, so a resume crosses
    // nodes; the same one when there is no other or the channel is pinned to it.
    std::size_t churn_node(std::size_t k) const {
        return pin_channels ? k : (k + 1) % node_count();
    }
};

}  // namespace kata::load
