// Unauthenticated TLS handshakes are bounded (limits.max_tls_handshakes): a thousand clients that
// announce a ~112 KiB ClientHello and send half of it cost the serve process bounded memory, and
// a real client's handshake still completes within 2 s while they are held.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "core/auth/digest.hpp"
#include "core/server/ops/open_file_limit.hpp"
#include "serve_process.hpp"
#include "server_support.hpp"
#include "tls_pki.hpp"

namespace kata::e2e {
namespace {

constexpr int stalled_clients = 1000;
constexpr std::size_t announced = 112 * 1024;  // the ClientHello's announced length

// A TLS record of type handshake (22) holding `fragment`.
std::string handshake_record(const std::string& fragment) {
    std::string r = {0x16, 0x03, 0x01, static_cast<char>(fragment.size() >> 8),
                     static_cast<char>(fragment.size() & 0xff)};
    return r + fragment;
}

// The first half of a ClientHello that announces `announced` bytes, in full-size records: OpenSSL
// sizes its buffer for the whole message from the header and waits for the rest.
std::string half_client_hello() {
    std::string message = {0x01,
                           static_cast<char>((announced >> 16) & 0xff),
                           static_cast<char>((announced >> 8) & 0xff),
                           static_cast<char>(announced & 0xff),
                           0x03,
                           0x03};
    message.resize(4 + announced / 2, '\x5a');
    std::string out;
    for (std::size_t at = 0; at < message.size(); at += 16384)
        out += handshake_record(message.substr(at, 16384));
    return out;
}

int connect_and_send(std::uint16_t port, const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(bytes.size())) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::uint64_t rss_bytes(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
}

// Bytes received but not yet read by the server on its connected sockets on `port`: zero once it
// has read everything the stalled clients sent (or closed their connections).
std::uint64_t unread_by_server(std::uint16_t port) {
    std::uint64_t unread = 0;
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues;
        fields >> slot >> local >> remote >> state >> queues;
        if (state != "01") continue;  // ESTABLISHED only: the listener is 0A
        if (std::stoul(local.substr(local.find(':') + 1), nullptr, 16) != port) continue;
        unread += std::stoull(queues.substr(queues.find(':') + 1), nullptr, 16);
    }
    return unread;
}

std::optional<std::uint16_t> wss_port(serve_process& serve) {
    const std::string marker = "listening on wss://127.0.0.1:";
    if (!serve.wait_for_output("/v1/ws")) return std::nullopt;
    const auto at = serve.output().find(marker);
    if (at == std::string::npos) return std::nullopt;
    return static_cast<std::uint16_t>(std::stoi(serve.output().substr(at + marker.size())));
}

// The value of an unlabelled sample in a /metrics answer, or -1.
long long metric(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + name.size() + 2));
}

// A real client: its handshake (timed) and a GET /metrics over it.
struct real_client {
    std::chrono::milliseconds handshake{};
    bool ok = false;
    std::string error;
    std::string metrics;
};

real_client real_client_scrape(std::uint16_t port, const test_pki& pki) {
    real_client out;
    auto ctx = test_client_context(pki.ca_file());
    const auto started = std::chrono::steady_clock::now();
    tls_peer peer(port, ctx.get());
    out.handshake = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    out.ok = peer.ok();
    out.error = peer.error();
    if (!out.ok) return out;
    peer.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    peer.read_until("process_max_fds ");
    out.metrics = peer.received();
    return out;
}

TEST(TlsHandshakeLimit, StalledClientHellosCostBoundedMemoryAndARealClientGetsIn) {
    const auto files = server::raise_open_file_limit();
    if (files.soft < stalled_clients + 200) {
        GTEST_SKIP() << "needs " << stalled_clients + 200 << " open files, the hard limit is "
                     << files.hard;
    }
    test_pki pki;
    const auto issued = pki.issue("server");
    const auto config = pki.dir() + "/config.json";
    std::ofstream(config) << R"({"listen":"127.0.0.1:0","threads":1,)"
                          << R"("tls":{"cert_file":")" << issued.cert_file << R"(","key_file":")"
                          << issued.key_file << R"("},)"
                          << R"("directory":{"api_keys":[{"id":"k","sha256":")"
                          << auth::sha256_hex(key_t1)
                          << R"(","team":"t1","scopes":["subscribe"]}]}})";
    serve_process serve({"--config", config});
    const auto port = wss_port(serve);
    ASSERT_TRUE(port) << serve.output();

    // A first client warms up what every connection shares (OpenSSL's tables, the thread).
    const auto warm = real_client_scrape(*port, pki);
    ASSERT_TRUE(warm.ok) << warm.error;
    EXPECT_EQ(metric(warm.metrics, "kata_rt_tls_handshakes"), 0) << warm.metrics;
    const auto rss_before = rss_bytes(serve.pid());
    ASSERT_GT(rss_before, 0u);

    const std::string half = half_client_hello();
    std::vector<int> stalled;
    for (int i = 0; i < stalled_clients; ++i) {
        const int fd = connect_and_send(*port, half);
        ASSERT_GE(fd, 0) << "stalled client " << i << ": " << std::strerror(errno);
        stalled.push_back(fd);
    }
    // Everything they sent has been read by the server (or their connection cut): the worst case.
    EXPECT_TRUE(eventually([&] { return unread_by_server(*port) == 0; }, 30s))
        << unread_by_server(*port) << " bytes still unread";
    const auto rss_after = rss_bytes(serve.pid());

    const auto real = real_client_scrape(*port, pki);
    for (const int fd : stalled)
        ::close(fd);
    ASSERT_TRUE(real.ok) << real.error;
    EXPECT_LT(real.handshake, 2s) << "a real client's handshake behind " << stalled_clients
                                  << " stalled ones";
    const auto in_progress = metric(real.metrics, "kata_rt_tls_handshakes");
    EXPECT_GT(in_progress, 0) << "the stalled handshakes are shown";
    EXPECT_LE(in_progress, 128) << "limits.max_tls_handshakes (default 128)";
    EXPECT_GT(metric(real.metrics, "kata_rt_tls_handshakes_cut_total"), 0);
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer's allocator holds freed memory: RSS is not measured";
#endif
    const double grown_mib =
        static_cast<double>(rss_after - std::min(rss_after, rss_before)) / (1024.0 * 1024.0);
    std::printf("%d stalled handshakes: RSS +%.1f MiB; a real handshake took %lld ms\n",
                stalled_clients, grown_mib, static_cast<long long>(real.handshake.count()));
    EXPECT_LE(grown_mib, 48.0) << stalled_clients << " stalled handshakes grew RSS by " << grown_mib
                               << " MiB";
}

}  // namespace
}  // namespace kata::e2e
