#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kata::auth {

// `directory.http` of the config file: the application answers lookups over HTTP
// (docs/configuration.md "HTTP directory").
struct http_directory_settings {
    std::string url;   // as written, for messages
    std::string host;  // from url: http://HOST[:PORT][/PATH]
    std::uint16_t port = 80;
    std::string base_path;  // without a trailing slash; requests go to base_path + "/authenticate"
    std::chrono::milliseconds timeout{300};  // per lookup, queueing included: then fail closed
    std::chrono::milliseconds cache_ttl{10000};
    std::chrono::milliseconds negative_cache_ttl{1000};
    // Every open connection's credential and the owner of every spec/agent channel it holds are
    // asked afresh at least this often; 0: never (they are checked at connect and subscribe).
    std::chrono::milliseconds revalidate{300000};
    std::size_t cache_size = 100000;  // entries per cache (principals, owners)
    std::size_t pool_size = 32;       // keep-alive connections to the backend at most
    // Sent with every request; values already resolved from `env:NAME`. Never logged.
    std::vector<std::pair<std::string, std::string>> headers;

    bool operator==(const http_directory_settings&) const = default;
};

}  // namespace kata::auth
