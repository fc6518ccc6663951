#include "raw_peer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace kata::e2e {
namespace {

// Parses one server frame at the front of `in`: returns its total size (0 if incomplete).
std::size_t frame_at(const std::string& in, int& opcode, std::string& payload) {
    if (in.size() < 2) return 0;
    const auto b0 = static_cast<unsigned char>(in[0]);
    const auto b1 = static_cast<unsigned char>(in[1]);
    opcode = b0 & 0x0f;
    std::size_t len = b1 & 0x7f;
    std::size_t pos = 2;
    if (len == 126) {
        if (in.size() < 4) return 0;
        len = (std::size_t(static_cast<unsigned char>(in[2])) << 8) |
              static_cast<unsigned char>(in[3]);
        pos = 4;
    } else if (len == 127) {
        if (in.size() < 10) return 0;
        len = 0;
        for (int i = 0; i < 8; ++i)
            len = (len << 8) | static_cast<unsigned char>(in[2 + i]);
        pos = 10;
    }
    if (in.size() < pos + len) return 0;
    payload = in.substr(pos, len);
    return pos + len;
}

}  // namespace

raw_peer::~raw_peer() {
    if (fd_ >= 0) ::close(fd_);
}

bool raw_peer::fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
}

bool raw_peer::connect(std::uint16_t port, const std::string& key, int receive_buffer) {
    if (receive_buffer) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    return connect_with(port, key, "", "");
}

bool raw_peer::connect_with(std::uint16_t port, const std::string& key,
                            const std::string& extra_headers, const std::string& trailing) {
    if (fd_ < 0) fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
    const std::string req =
        "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Authorization: Bearer " +
        key + "\r\n" + extra_headers + "\r\n" + trailing;
    if (::send(fd_, req.data(), req.size(), 0) != static_cast<ssize_t>(req.size())) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (in_.find("\r\n\r\n") == std::string::npos) {
        if (!fill(deadline)) return false;
    }
    const bool ok = in_.rfind("HTTP/1.1 101", 0) == 0;
    head_ = in_.substr(0, in_.find("\r\n\r\n") + 4);
    in_.erase(0, head_.size());
    return ok;
}

void raw_peer::send_text(const std::string& text) {
    std::string frame;
    frame += static_cast<char>(0x81);
    if (text.size() < 126) {
        frame += static_cast<char>(0x80 | text.size());
    } else {
        frame += static_cast<char>(0x80 | 126);
        frame += static_cast<char>((text.size() >> 8) & 0xff);
        frame += static_cast<char>(text.size() & 0xff);
    }
    const char mask[4] = {0x11, 0x22, 0x33, 0x44};
    frame.append(mask, 4);
    for (std::size_t i = 0; i < text.size(); ++i)
        frame += static_cast<char>(text[i] ^ mask[i % 4]);
    ::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL);
}

bool raw_peer::send_raw(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
}

std::optional<std::string> raw_peer::next_text(std::chrono::milliseconds timeout,
                                               bool* compressed) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int opcode = 0;
        std::string payload;
        while (const auto size = frame_at(in_, opcode, payload)) {
            if (opcode == 8) return std::nullopt;  // left in place for read_until_close
            const bool rsv1 = (static_cast<unsigned char>(in_[0]) & 0x40) != 0;
            in_.erase(0, size);
            if (opcode == 1) {
                if (compressed) *compressed = rsv1;
                return payload;
            }
        }
        if (!fill(deadline)) return std::nullopt;
    }
}

raw_peer::outcome raw_peer::read_text_or_close(std::chrono::milliseconds timeout) {
    return read_frames(timeout, true);
}

raw_peer::outcome raw_peer::read_until_close(std::chrono::milliseconds timeout) {
    return read_frames(timeout, false);
}

raw_peer::outcome raw_peer::read_frames(std::chrono::milliseconds timeout, bool stop_at_text) {
    outcome out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int opcode = 0;
        std::string payload;
        while (const auto size = frame_at(in_, opcode, payload)) {
            in_.erase(0, size);
            if (opcode == 1) {
                ++out.text_frames;
                if (stop_at_text) return out;
            }
            if (opcode == 8) {
                out.ended = true;
                if (payload.size() >= 2) {
                    out.close_code = (static_cast<unsigned char>(payload[0]) << 8) |
                                     static_cast<unsigned char>(payload[1]);
                }
                return out;
            }
        }
        if (std::chrono::steady_clock::now() >= deadline) return out;
        pollfd p{fd_, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))) <= 0) return out;
        char buf[65536];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            out.ended = true;  // EOF or reset: the server cut the socket
            return out;
        }
        in_.append(buf, static_cast<std::size_t>(n));
    }
}

bool raw_peer::read_one_text(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int opcode = 0;
        std::string payload;
        while (const auto size = frame_at(in_, opcode, payload)) {
            in_.erase(0, size);
            if (opcode == 1) return true;
        }
        if (!fill(deadline)) return false;
    }
}

}  // namespace kata::e2e
