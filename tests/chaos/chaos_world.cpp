#include "tests/chaos/chaos_world.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/auth/digest.hpp"
#include "tests/chaos/chaos_records.hpp"
#include "tests/e2e/server_support.hpp"

namespace kata::chaos {

using namespace std::chrono_literals;

namespace {

void teach(e2e::directory_backend& backend) {
    backend.set_credential(auth::sha256_hex(publisher_key),
                           {200, R"({"id":"pub","team":"t1","scopes":["publish"]})"});
    backend.set_credential(auth::sha256_hex(subscriber_key),
                           {200, R"({"id":"sub","team":"t1","scopes":["subscribe"]})"});
    for (const auto& c : channels)
        backend.set_owner(c, {200, R"({"team":"t1"})"});
    backend.set_owner(forbidden_channel, {200, R"({"team":"t2"})"});
    backend.set_owner(intruder_channel, {200, R"({"team":"t1"})"});
}

// A realistic small cluster: a short history (50 events, 5 s) so that a pub/sub outage outruns
// the stream, a directory without a cache (every connect and subscribe asks the backend) and
// one pooled connection to it, and Redis timeouts short enough for the run to see recoveries.
std::string node_config(std::uint16_t redis_port, std::uint16_t directory_port) {
    std::ostringstream c;
    c << R"({"listen":"127.0.0.1:0","threads":2,)"
      << R"("limits":{"commands_per_second":500},)"
      << R"("history":{"size":50,"ttl_ms":5000},)"
      << R"("broker":{"type":"redis","urls":["redis://127.0.0.1:)" << redis_port
      << R"("],"connect_timeout_ms":500},)"
      << R"("directory":{"http":{"url":"http://127.0.0.1:)" << directory_port
      << R"(/kata-rt","timeout_ms":500,"cache_ttl_ms":0,"negative_cache_ttl_ms":0,)"
      << R"("pool_size":1}}})";
    return c.str();
}

}  // namespace

chaos_world::chaos_world() {
    teach(backend);
    try {
        for (int i = 0; i < 2; ++i)
            start_node(i);
        for (auto& n : nodes) {
            const bool ready = e2e::eventually(
                [&] { return e2e::http_request(n.port, "GET", "/readyz").status == 200; }, 15s);
            if (!ready) throw std::runtime_error("a chaos node never became ready");
        }
    } catch (...) {
        stop();  // the destructor does not run for a constructor that throws
        throw;
    }
}

void chaos_world::stop() {
    draining_.store(false);
    for (auto& n : nodes) {
        if (n.drain.joinable()) n.drain.join();
        n.process.reset();  // SIGKILL and reap before the proxies and Redis go
        if (!n.config_path.empty()) std::remove(n.config_path.c_str());
        n.config_path.clear();
    }
}

void chaos_world::start_node(int i) {
    auto& n = nodes[static_cast<std::size_t>(i)];
    n.redis_link = std::make_unique<e2e::tcp_relay>(redis.port());
    n.directory_link = std::make_unique<e2e::tcp_relay>(backend.port());
    char path[] = "/tmp/kata-rt-chaos-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    n.config_path = path;
    std::ofstream(path) << node_config(n.redis_link->port(), n.directory_link->port());
    n.process = std::make_unique<e2e::serve_process>(
        std::vector<std::string>{"--config", path, "--log-level", "warn"});
    const auto port = n.process->wait_listening(15s);
    if (!port) throw std::runtime_error("chaos node did not start: " + n.process->output());
    n.port = *port;
    n.client_link = std::make_unique<e2e::tcp_relay>(n.port);
    n.drain = std::thread([this, &n] {
        while (draining_.load())
            n.process->wait_for_output("\x01 never printed", 200ms);
    });
}

std::string chaos_world::log_tail(int i, std::size_t tail) {
    draining_.store(false);
    auto& n = nodes[static_cast<std::size_t>(i)];
    if (n.drain.joinable()) n.drain.join();
    const auto& out = n.process->output();
    return out.size() > tail ? out.substr(out.size() - tail) : out;
}

std::uint64_t chaos_world::rss(std::uint16_t port) {
    const auto res = e2e::http_request(port, "GET", "/metrics");
    const std::string name = "\nprocess_resident_memory_bytes ";
    const auto pos = res.text.find(name);
    if (res.status != 200 || pos == std::string::npos) return 0;
    return static_cast<std::uint64_t>(std::stod(res.text.substr(pos + name.size())));
}

chaos_world::~chaos_world() {
    stop();
}

}  // namespace kata::chaos
