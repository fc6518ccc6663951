// Re-validation is coalesced by credential: 10,000 open connections of 100 keys cost about 100
// `authenticate` requests per interval at the backend, not 10,000, spread over the interval.
// Registered on its own in tests/CMakeLists.txt (label e2e, a longer timeout): it opens 10,000
// sockets, so it raises this process's open-file limit, which the server child inherits.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include "directory_backend.hpp"
#include "eventually.hpp"
#include "http_directory_support.hpp"
#include "prometheus_process.hpp"
#include "serve_process.hpp"

namespace kata::e2e {
namespace {

constexpr int connection_count = 10000;
constexpr int key_count = 100;
constexpr int batch_size = 500;
constexpr auto interval = 2000ms;

std::string scale_key(int i) {
    return "scale-key-" + std::to_string(i);
}

std::string temp_config(const std::string& content) {
    char path[] = "/tmp/kata-rt-revalidate-scale-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

// Upgraded sockets, idle: they send nothing after the upgrade and never read the pings.
class socket_herd {
  public:
    ~socket_herd() {
        for (int fd : fds_)
            ::close(fd);
    }

    // Opens `n` connections with keys round robin, in batches (each batch's requests written,
    // then every answer read), so the listen backlog never overflows. False with a message on
    // any failure.
    bool open(std::uint16_t port, int n, std::string& error) {
        for (int first = 0; first < n; first += batch_size) {
            const int last = std::min(n, first + batch_size);
            std::vector<pollfd> waiting;
            std::vector<std::string> heads(static_cast<std::size_t>(last - first));
            for (int i = first; i < last; ++i) {
                const int fd = connect_one(port, scale_key(i % key_count));
                if (fd < 0) {
                    error = "connection " + std::to_string(i) + ": " + std::strerror(errno);
                    return false;
                }
                fds_.push_back(fd);
                waiting.push_back({fd, POLLIN, 0});
            }
            const auto deadline = std::chrono::steady_clock::now() + 60s;
            std::size_t done = 0;
            std::vector<bool> finished(waiting.size(), false);
            while (done < waiting.size()) {
                if (std::chrono::steady_clock::now() > deadline) {
                    error = "batch at " + std::to_string(first) + ": no upgrade answer in 60 s";
                    return false;
                }
                for (auto& p : waiting)
                    p.revents = 0;
                if (::poll(waiting.data(), waiting.size(), 1000) < 0 && errno != EINTR) {
                    error = std::string("poll: ") + std::strerror(errno);
                    return false;
                }
                for (std::size_t k = 0; k < waiting.size(); ++k) {
                    if (finished[k] || waiting[k].revents == 0) continue;
                    char buf[512];
                    const auto got = ::recv(waiting[k].fd, buf, sizeof buf, MSG_DONTWAIT);
                    if (got <= 0) {
                        error = "connection " + std::to_string(first + k) + " closed: " + heads[k];
                        return false;
                    }
                    heads[k].append(buf, static_cast<std::size_t>(got));
                    if (heads[k].find("\r\n\r\n") == std::string::npos) continue;
                    if (!heads[k].starts_with("HTTP/1.1 101")) {
                        error = "connection " + std::to_string(first + k) + ": " + heads[k];
                        return false;
                    }
                    finished[k] = true;
                    waiting[k].events = 0;  // poll ignores it from now on
                    waiting[k].fd = -waiting[k].fd - 1;
                    ++done;
                }
            }
        }
        return true;
    }

  private:
    static int connect_one(std::uint16_t port, const std::string& key) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return -1;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const std::string req =
            "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer " +
            key + "\r\n\r\n";
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
            const int saved = errno;
            ::close(fd);
            errno = saved;
            return -1;
        }
        return fd;
    }

    std::vector<int> fds_;
};

TEST(RevalidationScale, TenThousandConnectionsOfAHundredKeysCostAHundredLookupsPerInterval) {
    // Both ends of 10,000 connections: this process holds one, the server child the other.
    rlimit lim{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < connection_count + 1000) {
        GTEST_SKIP() << "the hard open-file limit (" << lim.rlim_max << ") is below "
                     << connection_count + 1000;
    }
    const rlim_t previous = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? 65536 : lim.rlim_max;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
    struct restore_limit {
        rlim_t soft;
        ~restore_limit() {
            rlimit l{};
            ::getrlimit(RLIMIT_NOFILE, &l);
            l.rlim_cur = soft;
            ::setrlimit(RLIMIT_NOFILE, &l);
        }
    } restore{previous};

    directory_backend backend;
    for (int i = 0; i < key_count; ++i) {
        backend.set_credential(auth::sha256_hex(scale_key(i)),
                               {200, json{{"id", "scale-" + std::to_string(i)},
                                          {"team", "t1"},
                                          {"scopes", json::array({"subscribe"})}}
                                         .dump()});
    }
    const auto path =
        temp_config(json{{"listen", "127.0.0.1:0"},
                         {"threads", 2},
                         {"heartbeat", {{"interval_ms", 60000}, {"timeout_ms", 600000}}},
                         {"limits", {{"max_connections", 15000}}},
                         {"directory",
                          {{"http",
                            {{"url", backend.url()},
                             {"revalidate_ms", interval.count()},
                             {"timeout_ms", 5000},
                             {"cache_ttl_ms", 600000}}}}}}
                        .dump());
    serve_process serve({"--config", path});
    const auto port = serve.wait_listening(30s);
    ASSERT_TRUE(port) << serve.output();

    socket_herd herd;
    std::string error;
    ASSERT_TRUE(herd.open(*port, connection_count, error)) << error;
    ASSERT_TRUE(eventually(
        [&] {
            return metric_value(http_request(*port, "GET", "/metrics").text,
                                "kata_rt_connections") == connection_count;
        },
        30s));

    // Three intervals' worth of lookups at 100 per interval. Were they not coalesced by key,
    // they would come at up to 10,000 per interval; the bound is 2 x 100 per interval, so
    // reaching 300 must take at least 1.5 intervals (at 100 it takes about 3).
    const auto start = std::chrono::steady_clock::now();
    const int before = backend.authenticate_count();
    ASSERT_TRUE(
        eventually([&] { return backend.authenticate_count() >= before + 3 * key_count; }, 120s))
        << "re-validation asked " << backend.authenticate_count() - before << " times";
    const auto took = std::chrono::steady_clock::now() - start;
    const int asked = backend.authenticate_count() - before;
    const double intervals = std::chrono::duration<double>(took) / interval;
    EXPECT_GE(intervals, 1.5) << asked << " authenticate requests in " << intervals << " intervals";
    EXPECT_LE(asked / intervals, 2.0 * key_count);

    // Every key was asked about, and none more than once per interval (plus the one in flight
    // at each end of the window).
    std::map<std::string, int> per_key;
    for (const auto& a : backend.answers())
        if (a.at >= start && a.target.ends_with("/authenticate")) ++per_key[a.subject];
    EXPECT_EQ(per_key.size(), static_cast<std::size_t>(key_count));
    for (const auto& [subject, n] : per_key)
        EXPECT_LE(n, static_cast<int>(intervals) + 2) << subject;

    // And nothing was closed.
    EXPECT_EQ(metric_value(http_request(*port, "GET", "/metrics").text, "kata_rt_connections"),
              connection_count);
    std::remove(path.c_str());
}

}  // namespace
}  // namespace kata::e2e
