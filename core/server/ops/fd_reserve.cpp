#include "core/server/ops/fd_reserve.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "core/server/ops/log.hpp"

namespace kata::server {
namespace {

const std::string& shed_answer() {
    static const std::string answer = [] {
        const std::string body =
            R"({"error":{"code":"overloaded","message":"the server is out of file descriptors; )"
            R"(try again"}})";
        return "HTTP/1.1 503 Service Unavailable\r\nServer: kata-rt\r\n"
               "Content-Type: application/json\r\nCache-Control: no-store\r\nRetry-After: 1\r\n"
               "Connection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    return answer;
}

int open_spare() {
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool out_of_descriptors(const boost::system::error_code& ec) {
    return ec == boost::system::errc::too_many_files_open ||
           ec == boost::system::errc::too_many_files_open_in_system;
}

}  // namespace

fd_reserve::fd_reserve() : spare_(open_spare()) {}

fd_reserve::~fd_reserve() {
    if (spare_ >= 0) ::close(spare_);
}

bool fd_reserve::on_accept_error(int listen_fd, const boost::system::error_code& ec) {
    const bool shed = out_of_descriptors(ec) && shed_one(listen_fd);
    report(ec, shed);
    return shed;
}

bool fd_reserve::shed_one(int listen_fd) {
    if (spare_ < 0) spare_ = open_spare();  // lost to a race last time: try to take it back
    if (spare_ < 0) return false;
    ::close(spare_);
    spare_ = -1;
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
        // Read what already arrived, so closing does not turn into a reset that could destroy
        // the answer before the client reads it.
        char scratch[4096];
        while (::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0) {
        }
        [[maybe_unused]] const auto sent =
            ::send(fd, shed_answer().data(), shed_answer().size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::shutdown(fd, SHUT_WR);
        ::close(fd);
        ++shed_;
    }
    // Another thread may have taken the freed slot meanwhile; then the next call retries.
    spare_ = open_spare();
    return fd >= 0;
}

// One line a second at most: a listener out of descriptors fails on every connection attempt.
void fd_reserve::report(const boost::system::error_code& ec, bool shed) {
    const auto now = std::chrono::steady_clock::now();
    if (logged_ && now - last_log_ < std::chrono::seconds(1)) {
        ++suppressed_;
        return;
    }
    std::string line = "accept failed: " + ec.message();
    if (out_of_descriptors(ec)) {
        line += shed ? " (open files limit reached: connection answered 503 and closed)"
                     : " (open files limit reached)";
    }
    if (suppressed_ > 0) {
        line += "; " + std::to_string(suppressed_) + " more in the last second not logged";
    }
    log(log_level::warn, line);
    logged_ = true;
    last_log_ = now;
    suppressed_ = 0;
}

}  // namespace kata::server
