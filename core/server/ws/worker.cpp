#include "core/server/ws/worker.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "core/protocol/ws_frame_writer.hpp"
#include "core/server/ws/revalidator.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {
namespace {

// Every timer of every connection (heartbeat, write timeout, close deadline) is checked by one
// sweep per thread: a few wake-ups per heartbeat interval, and four per close grace period.
std::chrono::milliseconds tick_period_of(const config::server_config& cfg) {
    const auto shortest = std::min(
        {cfg.heartbeat.interval, cfg.heartbeat.timeout, cfg.limits.write_timeout, close_grace});
    return std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(2),
                                                 std::chrono::milliseconds(5000));
}

}  // namespace

worker::worker(unsigned index, server_state& state)
    : index_(index),
      state_(state),
      read_buffer_(new char[read_buffer_size]),
      ping_frame_(protocol::ws::server_frame(protocol::ws::opcode::ping, {})),
      max_remote_backlog_(state.config.limits.max_remote_backlog_bytes),
      tick_timer_(ioc_),
      tick_period_(tick_period_of(state.config)) {}

worker::~worker() {
    mailbox_->close();
    stop();
    join();
    // Connections hold sockets of this io_context: they go before it does.
    dirty_.clear();
    ended_.clear();
    connections_.clear();
}

void worker::start() {
    schedule_tick();
    thread_ = std::thread([this] { ioc_.run(); });
}

void worker::join() {
    if (thread_.joinable()) thread_.join();
}

void worker::deliver(const hub::channel& ch, std::uint64_t sequence, const hub::frame& f) {
    enqueue({&ch, sequence, f}, false);
}

void worker::deliver_remote(const hub::channel& ch, std::uint64_t sequence, const hub::frame& f) {
    enqueue({&ch, sequence, f}, true);
}

void worker::enqueue(queued_event e, bool from_broker) {
    bool first;
    {
        std::lock_guard lock(inbox_mutex_);
        if (from_broker) {
            // Once one event of a channel is dropped, every later one is too until the drain
            // has closed the subscriptions that missed it: none may see an event after the hole.
            // An event alone in the inbox always goes in, so one larger than the bound arrives.
            const auto size = e.f.size();
            if (shed_.contains(e.ch) ||
                (remote_backlog_ != 0 && remote_backlog_ + size > max_remote_backlog_)) {
                // A drain is posted: the inbox is not empty, or was not when the channel was
                // first shed.
                shed_[e.ch] = e.sequence;
                bump(state_.counters.remote_events_shed);
                return;
            }
            remote_backlog_ += size;
        }
        first = inbox_.empty();
        inbox_.push_back(std::move(e));
    }
    // One post per batch: while the thread has not drained its inbox, later events ride along.
    if (first) {
        state_.lag.queued(index_);
        asio::post(ioc_, [this] { drain(); });
    }
}

void worker::drain() {
    draining_.clear();
    shedding_.clear();
    {
        std::lock_guard lock(inbox_mutex_);
        draining_.swap(inbox_);
        shedding_.swap(shed_);
        remote_backlog_ = 0;
        state_.lag.drained(index_);
    }
    turn_started_ = std::chrono::steady_clock::now();
    std::size_t delivered = 0;
    for (const auto& e : draining_)
        delivered += fanout_.deliver(e.ch, e.sequence, e.f);
    // After what was queued before the hole: a subscription that missed an event gets every
    // event before it, then its close.
    for (const auto& [ch, last_dropped] : shedding_)
        fanout_.missed(ch, last_dropped);
    // One relaxed add per batch, not per subscriber: the metric costs nothing per delivery.
    state_.hub.deliveries.fetch_add(delivered, std::memory_order_relaxed);
    // The outboxes only borrow these frames: they are written or pinned by the flush, so the
    // turn's references go after it, not before (history may drop its own reference meanwhile,
    // e.g. a burst longer than history.size, and a borrowed frame would then be freed).
    flush_dirty();
    draining_.clear();
}

void worker::post_flush() {
    flush_posted_ = true;
    asio::post(ioc_, [this] { flush_dirty(); });
}

void worker::flush_dirty() {
    flush_posted_ = false;
    // A flush may end a connection or queue more (a close frame): take the list first.
    std::vector<ws_connection*> batch;
    batch.swap(dirty_);
    for (ws_connection* c : batch)
        c->flush_now();
    if (dirty_.empty() && dirty_.capacity() < batch.capacity()) {
        batch.clear();
        dirty_.swap(batch);  // keep the larger buffer: no allocation per turn
    }
}

void worker::adopt(std::shared_ptr<ws_connection> c) {
    c->set_slot(connections_.size());
    if (revalidator_) revalidator_->track_credential(index_, c->kind(), c->digest(), c->who().id);
    connections_.push_back(std::move(c));
}

void worker::forget(ws_connection* c) {
    const std::size_t slot = c->slot();
    if (slot >= connections_.size() || connections_[slot].get() != c) return;
    if (revalidator_) revalidator_->untrack_credential(index_, c->kind(), c->digest());
    // Whoever called is still inside the connection: it is freed on a later turn.
    if (ended_.empty()) asio::post(ioc_, [this] { ended_.clear(); });
    ended_.push_back(connections_[slot]);
    if (slot + 1 != connections_.size()) {
        connections_[slot] = std::move(connections_.back());
        connections_[slot]->set_slot(slot);
    }
    connections_.pop_back();
}

void worker::schedule_tick() {
    tick_timer_.expires_after(tick_period_);
    tick_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        on_tick();
        schedule_tick();
    });
}

void worker::on_tick() {
    const auto now = std::chrono::steady_clock::now();
    // Backwards: a connection that ends removes itself by moving the last (already visited) one
    // into its slot.
    std::size_t queued = 0;
    for (std::size_t i = connections_.size(); i-- > 0;) {
        if (i >= connections_.size()) continue;
        const auto c = connections_[i];
        c->on_tick(now);
        queued += c->queued_bytes();
    }
    state_.set_worker_queued_bytes(index_, queued);
}

void worker::close_all(protocol::close_code code, const char* reason) {
    asio::post(ioc_, [this, code, reason] {
        for (std::size_t i = connections_.size(); i-- > 0;) {
            if (i >= connections_.size()) continue;
            const auto c = connections_[i];
            c->begin_close(code, reason);
        }
    });
}

void worker::for_each_connection(std::function<void(ws_connection&)> fn) {
    // Through the mailbox, like every post from another thread: once the worker is gone, `fn`
    // is dropped rather than queued on a context that is being destroyed.
    mailbox_->post([this, fn = std::move(fn)] {
        for (std::size_t i = connections_.size(); i-- > 0;) {
            if (i >= connections_.size()) continue;
            const auto c = connections_[i];
            fn(*c);
        }
    });
}

}  // namespace kata::server
