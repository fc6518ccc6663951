#pragma once
// TLS handshakes in progress, bounded: a client that has not finished its handshake has not
// authenticated, yet OpenSSL holds up to ~150 KiB for it (a ClientHello announced long and sent
// slowly). At most limits.max_tls_handshakes run at once, each holding one of max_connections'
// slots. When they are all taken, new connections wait in the listen backlog (unread, costing
// the process nothing) until a handshake ends or the oldest has run for `stale_after`; that one
// is then cut for the next. A flood of half-sent handshakes costs bounded memory, a burst of
// real clients is served in order, and a real client's handshake starts within about
// `stale_after` however many stalled ones are held.
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>

#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/server_state.hpp"

namespace kata::server {

class handshake_slots {
  public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds stale_after{1000};

    // Held by one handshake while it runs; its slot is freed when it goes (unless it was cut:
    // then its slot went to the handshake that cut it).
    class ticket {
      public:
        ticket(handshake_slots& owner, asio::any_io_executor ex) : owner_(owner), ex_(ex) {}
        ~ticket() { owner_.release(this); }
        ticket(const ticket&) = delete;
        ticket& operator=(const ticket&) = delete;

        // On the handshake's thread: what cutting it does (its stream expires at once).
        void on_cut(std::function<void()> cut) { cut_ = std::move(cut); }
        // On the handshake's thread: whether it was cut for a newer one.
        bool was_cut() const { return cut_done_; }

      private:
        friend class handshake_slots;
        handshake_slots& owner_;
        asio::any_io_executor ex_;
        std::function<void()> cut_;
        bool cut_done_ = false;
        std::weak_ptr<ticket> self_;
        clock::time_point started_;
        std::list<ticket*>::iterator pos_;  // in running_, while listed_ (owner's mutex)
        bool listed_ = false;
    };

    handshake_slots(server_state& state, std::size_t limit) : state_(state), limit_(limit) {}

    // The accept loop, before accepting: how long new connections should stay in the backlog
    // (zero: a handshake can start now).
    clock::duration wait_before_accept(clock::time_point now);
    // A slot for a handshake that will run on `ex` (cutting the oldest when all are taken), or
    // nullptr when WebSocket connections hold every slot of max_connections: the connection is
    // then closed without a handshake.
    std::shared_ptr<ticket> admit(asio::any_io_executor ex, clock::time_point now);

  private:
    void release(ticket* t);
    // The oldest running handshake leaves the list (its slot passes on) and is cut on its thread.
    void cut_oldest();  // with mutex_ held
    bool full() const;  // with mutex_ held

    server_state& state_;
    const std::size_t limit_;
    std::mutex mutex_;
    std::list<ticket*> running_;  // oldest first
};

}  // namespace kata::server
