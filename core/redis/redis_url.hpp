#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace kata::redis {

// Where one Redis shard is: redis://[[user]:password@]host[:port][/db].
struct redis_url {
    std::string host;
    std::uint16_t port = 6379;
    std::string user;      // empty: AUTH with the password only (the `default` user)
    std::string password;  // empty: no AUTH
    unsigned db = 0;       // SELECTed after connecting

    // host:port, for logs (never the password).
    std::string address() const;
};

// The URL, or a message saying what is wrong with it ("redis URL: port must be 1-65535").
std::variant<redis_url, std::string> parse_redis_url(std::string_view text);

}  // namespace kata::redis
