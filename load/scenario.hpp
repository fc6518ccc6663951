#pragma once
#include <openssl/types.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "load/url.hpp"

namespace kata::load {

using std::chrono::milliseconds;

// What one `kata-rt loadtest` run does. Every phase is bounded, so a run always ends by itself
// after at most ramp + settle + duration + drain + close_grace.
struct scenario {
    endpoint_url ws_url;              // the only address the run connects to (plus its publish API)
    endpoint_url publish_url;         // http(s)://same host:port/v1/publish
    std::shared_ptr<ssl_ctx_st> tls;  // wss:// only: the client context (client_tls.hpp)
    std::string api_key;              // needs the subscribe and publish (or publish_any) scopes
    std::size_t connections = 100;    // WebSocket connections, one subscription each
    std::size_t channels = 1;         // connection i subscribes to channel i % channels
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

    std::string channel_name(std::size_t c) const { return channel_prefix + std::to_string(c); }
};

}  // namespace kata::load
