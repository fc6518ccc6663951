#pragma once
#include <cstddef>
#include <cstdint>

namespace kata::server {

struct open_file_limit {
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (allowed without privileges) and returns the
// limits now in force. Each WebSocket connection holds a descriptor; distributions often start
// services with a soft limit of 1024 under a far larger hard limit.
open_file_limit raise_open_file_limit();

// Descriptors kept free of WebSocket connections: the listener, epoll and timers, stdio, the
// broker, and short-lived HTTP requests (/healthz, publish) and upgrades in flight.
std::size_t open_file_headroom(std::uint64_t limit);

// How many WebSocket connections fit under `limit` descriptors with the headroom kept free: at
// most `max_connections`, at least 1. When this is below max_connections the server would run out
// of descriptors before it reached max_connections, and then connections hang instead of being
// refused with 4429; serve lowers the limit to this and says so.
std::size_t connections_that_fit(std::uint64_t limit, std::size_t max_connections);

}  // namespace kata::server
