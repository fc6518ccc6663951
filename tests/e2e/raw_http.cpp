#include "raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace kata::e2e {

raw_http::raw_http(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return;
    }
    fd_ = fd;
}

raw_http::~raw_http() {
    if (fd_ >= 0) ::close(fd_);
}

bool raw_http::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool raw_http::fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_ || fd_ < 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
}

bool raw_http::read_until(std::string_view text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (in_.find(text) == std::string::npos) {
        if (!fill(deadline)) return false;
    }
    return true;
}

bool raw_http::read_to_eof(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fill(deadline)) {
    }
    return eof_;
}

std::string header_value(const std::string& head, std::string_view name) {
    std::size_t line = head.find("\r\n");
    while (line != std::string::npos) {
        const auto start = line + 2;
        const auto end = std::min(head.find("\r\n", start), head.size());
        const auto colon = head.find(':', start);
        if (colon != std::string::npos && colon < end && colon - start == name.size() &&
            std::equal(name.begin(), name.end(), head.begin() + static_cast<long>(start),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
            auto value = head.substr(colon + 1, end - colon - 1);
            value.erase(0, value.find_first_not_of(' '));
            return value;
        }
        line = end < head.size() ? end : std::string::npos;
    }
    return "";
}

std::vector<raw_response> split_responses(std::string_view bytes,
                                          const std::vector<bool>& head_only) {
    std::vector<raw_response> out;
    while (!bytes.empty()) {
        raw_response res;
        const auto end = bytes.find("\r\n\r\n");
        if (!bytes.starts_with("HTTP/1.") || end == std::string_view::npos || bytes.size() < 12) {
            out.push_back(std::move(res));  // status 0: not a response boundary
            break;
        }
        res.head = std::string(bytes.substr(0, end));
        res.status = std::atoi(std::string(bytes.substr(9, 3)).c_str());
        bytes.remove_prefix(end + 4);
        const bool no_body = out.size() < head_only.size() && head_only[out.size()];
        const auto length = header_value(res.head, "Content-Length");
        if (!no_body && !length.empty()) {
            const auto n = std::min<std::size_t>(std::stoul(length), bytes.size());
            res.body = std::string(bytes.substr(0, n));
            bytes.remove_prefix(n);
        }
        out.push_back(std::move(res));
    }
    return out;
}

}  // namespace kata::e2e
