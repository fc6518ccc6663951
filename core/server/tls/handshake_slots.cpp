#include "core/server/tls/handshake_slots.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace kata::server {

bool handshake_slots::full() const {
    return running_.size() >= limit_ || !state_.slot_free();
}

handshake_slots::clock::duration handshake_slots::wait_before_accept(clock::time_point now) {
    std::lock_guard lock(mutex_);
    // With no handshake to give way, a connection past max_connections is accepted and closed.
    if (running_.empty() || !full()) return clock::duration::zero();
    return std::max(clock::duration::zero(), running_.front()->started_ + stale_after - now);
}

std::shared_ptr<handshake_slots::ticket> handshake_slots::admit(asio::any_io_executor ex,
                                                                clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (running_.size() >= limit_ || !state_.take_slot()) {
        // All taken (by handshakes, or WebSockets and handshakes): the oldest handshake gives
        // way, its slot passes to this one.
        if (running_.empty()) return nullptr;
        cut_oldest();
    }
    auto t = std::make_shared<ticket>(*this, std::move(ex));
    t->self_ = t;
    t->started_ = now;
    t->pos_ = running_.insert(running_.end(), t.get());
    t->listed_ = true;
    state_.counters.tls_handshakes.store(running_.size());
    return t;
}

void handshake_slots::cut_oldest() {
    ticket* oldest = running_.front();
    running_.pop_front();
    oldest->listed_ = false;  // its slot is the new handshake's now
    state_.counters.tls_handshakes_cut.fetch_add(1);
    // The ticket cannot be freed while mutex_ is held (its destructor waits in release()), and
    // no strong reference is taken here: the last one must never be dropped under mutex_.
    asio::post(oldest->ex_, [weak = oldest->self_] {
        const auto t = weak.lock();
        if (!t || t->cut_done_) return;
        t->cut_done_ = true;
        if (t->cut_) t->cut_();
    });
}

void handshake_slots::release(ticket* t) {
    std::lock_guard lock(mutex_);
    if (!t->listed_) return;
    running_.erase(t->pos_);
    t->listed_ = false;
    state_.give_slot();
    state_.counters.tls_handshakes.store(running_.size());
}

}  // namespace kata::server
