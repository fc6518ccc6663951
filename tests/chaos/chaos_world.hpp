#pragma once
// The cluster of the chaos run: one real redis-server, the HTTP directory backend, and two
// `kata-rt serve` processes, each behind its own fault proxies (node -> Redis, node -> directory)
// and with a third proxy in front of it for the subscriber whose own network is flaky.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "tests/e2e/directory_backend.hpp"
#include "tests/e2e/redis_process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/tcp_relay.hpp"

namespace kata::chaos {

struct chaos_node {
    std::unique_ptr<e2e::tcp_relay> redis_link;
    std::unique_ptr<e2e::tcp_relay> directory_link;
    std::unique_ptr<e2e::serve_process> process;
    std::unique_ptr<e2e::tcp_relay> client_link;  // in front of the node
    std::uint16_t port = 0;
    std::string config_path;
    std::thread drain;  // reads the node's stderr so its logging never blocks on a full pipe
};

class chaos_world {
  public:
    chaos_world();  // everything started and both nodes ready; throws when that fails
    ~chaos_world();
    chaos_world(const chaos_world&) = delete;

    e2e::redis_process redis;
    e2e::directory_backend backend;
    std::array<chaos_node, 2> nodes;

    // Stops reading the nodes' logs and returns the last `tail` bytes of node i's log.
    std::string log_tail(int i, std::size_t tail = 4000);
    // The node's resident memory from /metrics (0 when it does not answer).
    static std::uint64_t rss(std::uint16_t port);

  private:
    void start_node(int i);
    void stop();
    std::atomic<bool> draining_{true};
};

}  // namespace kata::chaos
