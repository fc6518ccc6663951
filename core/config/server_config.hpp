#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/auth/directory_config.hpp"
#include "core/protocol/deflate/compression_settings.hpp"

namespace kata::config {

using std::chrono::milliseconds;

struct heartbeat_settings {
    milliseconds interval{20000};  // server ping period
    milliseconds timeout{45000};   // silence after which a client is dropped (4408)
};

struct limit_settings {
    std::size_t max_message_bytes = 16384;   // larger client frames close with 1009
    std::size_t max_subscriptions = 256;     // per connection
    std::size_t max_queued_bytes = 1048576;  // outbound queue per connection; over it: 4008
    milliseconds write_timeout{10000};       // a write with no progress this long closes
    std::size_t max_connections = 100000;    // per server; over it: 4429
    std::uint32_t commands_per_second = 50;  // per connection, burst of twice this
    // TLS handshakes in progress at once (each also holds a max_connections slot); past it new
    // connections wait in the listen backlog and the oldest handshake is cut once it ran 1 s.
    std::size_t max_tls_handshakes = 128;
    // Events from the Redis broker waiting for one worker thread; past it the thread drops them
    // and closes the subscriptions that missed them with 4008 (they resume).
    std::size_t max_remote_backlog_bytes = 64u * 1048576;
};

struct history_settings {
    std::size_t size = 1000;              // events kept per channel (0: no history, no resume)
    milliseconds ttl{300000};             // and no older than this
    std::size_t max_bytes = 4 * 1048576;  // and no more bytes than this, per channel
    std::size_t max_total_bytes = 256u * 1048576;  // over all channels; the oldest go first
};

// Where channels, sequences and history live: this process ("memory") or Redis shared by several
// nodes ("redis").
struct broker_settings {
    std::string type = "memory";
    std::vector<std::string> urls;  // redis:// URLs, one per shard
    std::string prefix = "kata";    // of every Redis key and pub/sub channel
    milliseconds connect_timeout{1000};
    milliseconds health_check{1000};  // an idle shard's connections are checked this often
    std::string password_env;         // the environment variable that holds the Redis password
    std::string password;             // its value (never logged)
    bool remote() const { return type == "redis"; }
};

// Dev mode only (`kata-rt serve` without --config); never set from a config file.
struct dev_settings {
    bool enabled = false;       // serves GET / (the dev page and its assets) and GET /dev/login
    std::string session_token;  // the session cookie value GET /dev/login hands out
};

// `tls`: the listener then speaks TLS only (wss://, https://). Both files are PEM; SIGHUP reads
// them again. A relative path is relative to the config file's folder.
struct tls_settings {
    std::string cert_file;  // the certificate, followed by its intermediates (a chain file)
    std::string key_file;   // its private key, unencrypted
    bool operator==(const tls_settings&) const = default;
};

// The config file of docs/protocol.md, with its defaults.
struct server_config {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    unsigned threads = 0;  // 0: one per core
    std::vector<std::string> allowed_origins;
    std::string session_cookie = "kata_session";
    heartbeat_settings heartbeat;
    limit_settings limits;
    history_settings history;
    auth::directory_config directory;
    dev_settings dev;  // off unless dev mode
    // When set, /metrics, /healthz and /readyz are served there and not on `listen`.
    std::optional<std::pair<std::string, std::uint16_t>> admin_listen;
    std::string log_format = "text";  // "text" or "json"
    broker_settings broker;
    std::optional<tls_settings> tls;                      // not set: plain ws:// and http://
    protocol::deflate::compression_settings compression;  // permessage-deflate
};

}  // namespace kata::config
