#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/auth/directory.hpp"
#include "core/config/server_config.hpp"
#include "core/hub/hub.hpp"
#include "core/protocol/close_codes.hpp"
#include "core/server/ops/disconnect_service.hpp"
#include "core/server/ops/fanout_lag.hpp"
#include "core/server/ops/server_stats.hpp"

namespace kata::server {

// What every connection shares: settings, the hub, the current directory and the counters.
class server_state {
  public:
    server_state(config::server_config cfg, std::shared_ptr<const auth::directory> dir)
        : config(std::move(cfg)),
          lag(worker_count(config)),
          // With a remote broker, history lives there: the hub keeps none of its own.
          hub(hub::hub::settings{{config.broker.remote() ? 0 : config.history.size,
                                  config.history.max_bytes, config.history.ttl},
                                 config.history.max_total_bytes,
                                 config.compression}),
          directory_(std::move(dir)),
          workers_(worker_count(config)),
          worker_queued_(std::make_unique<std::atomic<std::size_t>[]>(workers_)) {}

    const config::server_config config;
    fanout_lag lag;
    hub::hub hub;
    server_counters counters;
    std::atomic<bool> stopping{false};
    // POST /v1/disconnect: set by the server before it starts, never changed after.
    disconnect_service* disconnects = nullptr;

    std::shared_ptr<const auth::directory> directory() const {
        std::lock_guard lock(directory_mutex_);
        return directory_;
    }
    void set_directory(std::shared_ptr<const auth::directory> dir) {
        std::lock_guard lock(directory_mutex_);
        directory_ = std::move(dir);
        directory_generation_.fetch_add(1);
    }
    // Counts directory replacements: an upgrade that decided before a reload (whose re-check
    // pass could not see it yet) notices the change and re-checks its connection itself.
    std::uint64_t directory_generation() const { return directory_generation_.load(); }

    // Reserves a connection slot; false when max_connections are taken. A slot is held from the
    // upgrade decision until the connection is gone. TLS handshakes in progress hold slots too
    // (take_slot, give_slot), so unauthenticated clients cannot push WebSockets past the limit.
    bool try_reserve_connection() {
        if (!take_slot()) return false;
        counters.connections.fetch_add(1);
        return true;
    }
    bool take_slot() {
        auto n = slots_.load();
        do {
            if (n >= config.limits.max_connections) return false;
        } while (!slots_.compare_exchange_weak(n, n + 1));
        return true;
    }
    void give_slot() { slots_.fetch_sub(1); }
    bool slot_free() const { return slots_.load() < config.limits.max_connections; }
    void release_connection() {
        give_slot();
        if (counters.connections.fetch_sub(1) == 1) {
            std::lock_guard lock(closed_mutex_);
            all_closed_.notify_all();
        }
    }
    // Waits until no connection is open, at most `limit`.
    template <class Duration>
    bool wait_until_closed(Duration limit) {
        std::unique_lock lock(closed_mutex_);
        return all_closed_.wait_for(lock, limit, [this] { return counters.connections == 0; });
    }
    // Outbound bytes queued over all connections (the kata_rt_queued_bytes gauge): each worker
    // publishes its own sum on its timer sweep, so nothing is counted per push.
    std::size_t queued_bytes() const {
        std::size_t total = 0;
        for (unsigned i = 0; i < workers_; ++i)
            total += worker_queued_[i].load(std::memory_order_relaxed);
        return total;
    }
    void set_worker_queued_bytes(unsigned worker, std::size_t bytes) {
        worker_queued_[worker].store(bytes, std::memory_order_relaxed);
    }

    // Tests only (server::pause_upgrades_for_test): an accepted upgrade hands this a callback
    // just before writing its 101 and waits until it is called, from any thread.
    using upgrade_pause = std::function<void(std::function<void()> resume)>;
    void set_upgrade_pause(upgrade_pause pause) {
        std::lock_guard lock(pause_mutex_);
        upgrade_pause_ = std::move(pause);
        has_upgrade_pause_.store(static_cast<bool>(upgrade_pause_));
    }
    upgrade_pause get_upgrade_pause() const {
        if (!has_upgrade_pause_.load(std::memory_order_relaxed)) return {};
        std::lock_guard lock(pause_mutex_);
        return upgrade_pause_;
    }

    // `threads`, with 0 meaning one per core.
    static unsigned worker_count(const config::server_config& c) {
        return c.threads ? c.threads : std::max(1u, std::thread::hardware_concurrency());
    }

  private:
    mutable std::mutex directory_mutex_;
    std::shared_ptr<const auth::directory> directory_;
    std::atomic<std::uint64_t> directory_generation_{0};
    std::atomic<std::size_t> slots_{0};  // WebSocket connections plus TLS handshakes
    std::mutex closed_mutex_;
    mutable std::mutex pause_mutex_;
    upgrade_pause upgrade_pause_;
    std::atomic<bool> has_upgrade_pause_{false};
    std::condition_variable all_closed_;
    const unsigned workers_;
    std::unique_ptr<std::atomic<std::size_t>[]> worker_queued_;
};

}  // namespace kata::server
