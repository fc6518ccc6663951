#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "core/auth/directory.hpp"
#include "core/config/server_config.hpp"
#include "core/hub/hub.hpp"
#include "core/protocol/close_codes.hpp"
#include "core/server/server_stats.hpp"

namespace kata::server {

// A live connection as the server sees it when shutting down.
class closable {
  public:
    virtual ~closable() = default;
    // Thread-safe: asks the connection to close with `code`.
    virtual void close_from_server(protocol::close_code code, const char* reason) = 0;
    // Outbound bytes queued and not yet written (the kata_rt_queued_bytes gauge). Thread-safe.
    virtual std::size_t queued_bytes() const { return 0; }
};

// What every connection shares: settings, the hub, the current directory, the counters and the
// set of open connections.
class server_state {
  public:
    server_state(config::server_config cfg, std::shared_ptr<const auth::directory> dir)
        : config(std::move(cfg)),
          hub({config.history.size, config.history.max_bytes, config.history.ttl}),
          directory_(std::move(dir)) {}

    const config::server_config config;
    hub::hub hub;
    server_counters counters;
    std::atomic<bool> stopping{false};

    std::shared_ptr<const auth::directory> directory() const {
        std::lock_guard lock(directory_mutex_);
        return directory_;
    }
    void set_directory(std::shared_ptr<const auth::directory> dir) {
        std::lock_guard lock(directory_mutex_);
        directory_ = std::move(dir);
    }

    // Reserves a connection slot; false when max_connections are open.
    bool try_reserve_connection() {
        auto n = counters.connections.load();
        do {
            if (n >= config.limits.max_connections) return false;
        } while (!counters.connections.compare_exchange_weak(n, n + 1));
        return true;
    }
    void release_connection() { counters.connections.fetch_sub(1); }

    void add(closable* c) {
        std::lock_guard lock(open_mutex_);
        open_.insert(c);
    }
    void remove(closable* c) {
        std::lock_guard lock(open_mutex_);
        open_.erase(c);
        if (open_.empty()) all_closed_.notify_all();
    }
    // Waits until no connection is open, at most `limit`.
    template <class Duration>
    bool wait_until_closed(Duration limit) {
        std::unique_lock lock(open_mutex_);
        return all_closed_.wait_for(lock, limit, [this] { return open_.empty(); });
    }
    std::size_t open_count() const {
        std::lock_guard lock(open_mutex_);
        return open_.size();
    }
    // Summed at scrape time, not on every push: the queues already know their size.
    std::size_t queued_bytes() const {
        std::lock_guard lock(open_mutex_);
        std::size_t total = 0;
        for (const closable* c : open_)
            total += c->queued_bytes();
        return total;
    }
    void close_all(protocol::close_code code, const char* reason) {
        std::lock_guard lock(open_mutex_);
        for (closable* c : open_)
            c->close_from_server(code, reason);
    }

  private:
    mutable std::mutex directory_mutex_;
    std::shared_ptr<const auth::directory> directory_;
    mutable std::mutex open_mutex_;
    std::unordered_set<closable*> open_;
    std::condition_variable all_closed_;
};

}  // namespace kata::server
