// The fault proxy itself, with real sockets on both sides: each fault does to the bytes and to the
// connection what it says, and nothing else.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/e2e/tcp_relay.hpp"

namespace kata::e2e {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// What the peer's read ended with.
enum class ending { open, eof, reset };

class fd_holder {
  public:
    fd_holder() = default;
    explicit fd_holder(int fd) : fd_(fd) {}
    ~fd_holder() {
        if (fd_ >= 0) ::close(fd_);
    }
    fd_holder(fd_holder&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    fd_holder& operator=(fd_holder&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    int get() const { return fd_; }

  private:
    int fd_ = -1;
};

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// One end of a relayed connection: sends, and reads with a deadline.
struct end_point {
    fd_holder fd;
    std::string in;
    ending end = ending::open;

    void send(const std::string& bytes) const {
        ASSERT_EQ(::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(bytes.size()));
    }
    // Reads until `want` bytes are in, the stream ends, or `timeout` passes.
    void read(std::size_t want, std::chrono::milliseconds timeout) {
        const auto deadline = clock_type::now() + timeout;
        while (in.size() < want && end == ending::open) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
            if (left.count() <= 0) return;
            pollfd p{fd.get(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buf[4096];
            const auto n = ::recv(fd.get(), buf, sizeof buf, 0);
            if (n > 0) {
                in.append(buf, static_cast<std::size_t>(n));
            } else if (n == 0) {
                end = ending::eof;
            } else if (errno == ECONNRESET) {
                end = ending::reset;
            } else if (errno != EINTR && errno != EAGAIN) {
                end = ending::eof;
            }
        }
    }
    // Reads until the stream ends (or `timeout`): how it ended.
    ending wait_end(std::chrono::milliseconds timeout) {
        read(static_cast<std::size_t>(-1), timeout);
        return end;
    }
};

// A target listening on loopback, the relay in front of it, and one connection through it.
struct relayed {
    fd_holder listener;
    std::uint16_t target_port = 0;
    std::unique_ptr<tcp_relay> relay;
    end_point client;  // the relay's client
    end_point server;  // what the target accepted

    relayed() {
        listener = fd_holder(::socket(AF_INET, SOCK_STREAM, 0));
        auto a = loopback(0);
        EXPECT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(::listen(listener.get(), 16), 0);
        socklen_t len = sizeof a;
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len);
        target_port = ntohs(a.sin_port);
        relay = std::make_unique<tcp_relay>(target_port);
        connect_one();
    }

    void connect_one() {
        client = end_point{};
        server = end_point{};
        client.fd = fd_holder(::socket(AF_INET, SOCK_STREAM, 0));
        auto a = loopback(relay->port());
        ASSERT_EQ(::connect(client.fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        pollfd p{listener.get(), POLLIN, 0};
        ASSERT_EQ(::poll(&p, 1, 5000), 1) << "the relay never connected to the target";
        server.fd = fd_holder(::accept(listener.get(), nullptr, nullptr));
        ASSERT_GE(server.fd.get(), 0);
    }
};

TEST(TcpRelay, ForwardsBothWays) {
    relayed r;
    r.client.send("ping");
    r.server.read(4, 5s);
    EXPECT_EQ(r.server.in, "ping");
    r.server.send("pong");
    r.client.read(4, 5s);
    EXPECT_EQ(r.client.in, "pong");
    EXPECT_EQ(r.relay->open_connections(), 1u);
}

TEST(TcpRelay, DelayHoldsEachChunkButDeliversIt) {
    relayed r;
    r.relay->set_delay(relay_direction::downstream, 300ms);
    const auto start = clock_type::now();
    r.server.send("late");
    r.client.read(4, 5s);
    EXPECT_EQ(r.client.in, "late");
    EXPECT_GE(clock_type::now() - start, 300ms);
    r.client.send("up");  // the other way is not delayed
    r.server.read(2, 5s);
    EXPECT_EQ(r.server.in, "up");
    r.relay->restore();
    r.server.send("now");
    r.client.read(7, 5s);
    EXPECT_EQ(r.client.in, "latenow");
}

TEST(TcpRelay, StallOneWayHoldsItUntilRestoreAndTheOtherWayFlows) {
    relayed r;
    r.relay->stall(relay_direction::downstream);
    r.server.send("held");
    r.client.send("request");
    r.server.read(7, 5s);
    EXPECT_EQ(r.server.in, "request");
    r.client.read(4, 300ms);
    EXPECT_EQ(r.client.in, "") << "a stalled direction forwards nothing";
    EXPECT_EQ(r.client.end, ending::open);
    r.relay->restore();
    r.client.read(4, 5s);
    EXPECT_EQ(r.client.in, "held");
}

TEST(TcpRelay, FreezeHoldsNewConnectionsToo) {
    relayed r;
    r.relay->freeze();
    r.connect_one();  // accepted and connected onwards, but nothing flows
    r.client.send("x");
    r.server.read(1, 300ms);
    EXPECT_EQ(r.server.in, "");
    r.relay->restore();
    r.server.read(1, 5s);
    EXPECT_EQ(r.server.in, "x");
}

TEST(TcpRelay, CutEndsBothSidesWithFinAndRefusesUntilRestore) {
    relayed r;
    r.relay->cut();
    EXPECT_EQ(r.client.wait_end(5s), ending::eof);
    EXPECT_EQ(r.server.wait_end(5s), ending::eof);
    EXPECT_EQ(r.relay->open_connections(), 0u);
    r.relay->restore();
    r.connect_one();
    r.client.send("again");
    r.server.read(5, 5s);
    EXPECT_EQ(r.server.in, "again");
}

TEST(TcpRelay, ResetSendsAnRstToBothSidesAndLetsNewConnectionsThrough) {
    relayed r;
    r.relay->reset();
    EXPECT_EQ(r.client.wait_end(5s), ending::reset);
    EXPECT_EQ(r.server.wait_end(5s), ending::reset);
    r.connect_one();  // no restore needed
    r.server.send("fresh");
    r.client.read(5, 5s);
    EXPECT_EQ(r.client.in, "fresh");
}

TEST(TcpRelay, DropRestDiscardsOneWayForGoodWhileTheConnectionStaysOpen) {
    relayed r;
    r.relay->drop_rest(relay_direction::upstream);
    r.client.send("lost");
    r.server.send("answer");
    r.client.read(6, 5s);
    EXPECT_EQ(r.client.in, "answer") << "the other way still flows";
    r.relay->restore();
    r.client.send("still lost");
    r.server.read(1, 300ms);
    EXPECT_EQ(r.server.in, "");
    EXPECT_EQ(r.server.end, ending::open);
    EXPECT_EQ(r.client.end, ending::open);
    r.connect_one();  // a new connection is not affected
    r.client.send("new");
    r.server.read(3, 5s);
    EXPECT_EQ(r.server.in, "new");
}

TEST(TcpRelay, InjectsBytesAroundTheNextChunkOnly) {
    relayed r;
    r.relay->inject_before_next(relay_direction::downstream, "HTTP/1.1 103 Early Hints\r\n\r\n");
    r.server.send("A");
    r.client.read(29, 5s);
    EXPECT_EQ(r.client.in, "HTTP/1.1 103 Early Hints\r\n\r\nA");
    r.relay->inject_after_next(relay_direction::downstream, "junk");
    r.server.send("B");
    r.client.read(34, 5s);
    EXPECT_EQ(r.client.in.substr(29), "Bjunk");
    r.server.send("C");
    r.client.read(35, 5s);
    EXPECT_EQ(r.client.in.substr(34), "C") << "one-shot";
    r.client.send("up");
    r.server.read(2, 5s);
    EXPECT_EQ(r.server.in, "up") << "the other direction is untouched";
}

TEST(TcpRelay, DuplicatesTheNextChunk) {
    relayed r;
    r.relay->duplicate_next(relay_direction::downstream);
    r.server.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    r.client.read(80, 5s);
    EXPECT_EQ(r.client.in,
              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    r.server.send("x");
    r.client.read(81, 5s);
    EXPECT_EQ(r.client.in.size(), 81u);
}

}  // namespace
}  // namespace kata::e2e
