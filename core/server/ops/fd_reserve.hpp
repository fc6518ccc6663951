#pragma once
#include <chrono>
#include <cstddef>

#include <boost/system/error_code.hpp>

namespace kata::server {

// Keeps the listener answering when the process runs out of file descriptors.
//
// When accept() fails with EMFILE/ENFILE the pending connection stays in the backlog: the
// listener stays readable, accept fails again at once, and the client hangs until it gives up
// while the log fills with "accept failed". This holds one spare descriptor (/dev/null); on
// EMFILE it frees it, accepts the pending connection, answers it 503 (JSON, `Connection: close`)
// and closes it, then takes the spare back. Clients get an answer they can retry on instead of a
// hang, and the log says so at most once a second with a count of what it left out.
class fd_reserve {
  public:
    fd_reserve();
    ~fd_reserve();
    fd_reserve(const fd_reserve&) = delete;
    fd_reserve& operator=(const fd_reserve&) = delete;

    // Handles a failed accept on `listen_fd` (non-blocking, as Asio keeps it). True when a
    // pending connection was shed, so accepting again makes progress; false when the caller
    // should back off before retrying (another error, or no spare to free).
    bool on_accept_error(int listen_fd, const boost::system::error_code& ec);

    // Shed connections so far (for tests and logs).
    std::size_t shed_count() const { return shed_; }

  private:
    bool shed_one(int listen_fd);
    void report(const boost::system::error_code& ec, bool shed);

    int spare_ = -1;
    std::size_t shed_ = 0;
    std::size_t suppressed_ = 0;
    std::chrono::steady_clock::time_point last_log_{};
    bool logged_ = false;
};

}  // namespace kata::server
