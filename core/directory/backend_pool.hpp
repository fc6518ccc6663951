#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/auth/http_directory_settings.hpp"

namespace kata::directory {

// The HTTP/1.1 client of the HTTP directory: its own thread and io_context (so no worker ever
// blocks on, or even runs, backend I/O), at most `pool_size` keep-alive connections to the
// backend, and a deadline of `timeout` per request, queueing included.
class backend_pool {
  public:
    struct reply {
        bool ok = false;  // an HTTP answer arrived; then status and body are set
        unsigned status = 0;
        std::string body;
        std::string error;  // why not, for the log: "timeout", "connection refused", ...
    };
    using done_fn = std::function<void(reply)>;

    explicit backend_pool(const auth::http_directory_settings& settings);
    ~backend_pool();  // stop()
    backend_pool(const backend_pool&) = delete;
    backend_pool& operator=(const backend_pool&) = delete;

    // Any thread: POSTs `body` (JSON) to base_path + `path`. `done` runs exactly once, on the
    // pool's thread, or inline when the pool is stopped.
    void post(std::string path, std::string body, done_fn done);

    // Fails every queued and running request, then joins the thread. Idempotent.
    void stop();

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace kata::directory
