#pragma once
#include <string>

#include "core/server/ops/beast_types.hpp"

namespace kata::server {

// "ip:port" of a peer for logs.
inline std::string remote_address(const tcp::endpoint& peer) {
    const auto ip = peer.address().to_string();
    const auto port = std::to_string(peer.port());
    return peer.address().is_v6() ? "[" + ip + "]:" + port : ip + ":" + port;
}

// The peer of a socket; "unknown" once the socket has lost it (reset, closed).
inline tcp::endpoint remote_endpoint(const tcp::socket& socket) {
    beast::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    return ec ? tcp::endpoint{} : peer;
}

inline std::string remote_address(const tcp::socket& socket) {
    beast::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : remote_address(peer);
}

}  // namespace kata::server
