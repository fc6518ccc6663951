#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/hub/local_fanout.hpp"
#include "core/protocol/close_codes.hpp"
#include "core/protocol/deflate/inflater.hpp"
#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/server_state.hpp"
#include "core/server/ws/worker_mailbox.hpp"

namespace kata::server {

class ws_connection;
class revalidator;

// One thread with its own io_context: it owns the connections accepted onto it, their
// subscriptions (a local fanout) and their timers (one sweep for all of them). A publish reaches
// a worker once, through its inbox, however many of its connections subscribe; the worker then
// appends the shared frame to each connection's outbox and, at the end of the turn, every touched
// connection writes all it has in one gather write.
class worker final : public hub::subscriber {
  public:
    worker(unsigned index, server_state& state);
    ~worker() override;
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    asio::io_context& context() { return ioc_; }
    unsigned index() const { return index_; }
    void start();  // runs the thread
    void join();   // after stop()
    void stop() { ioc_.stop(); }

    // hub::subscriber, any thread: queues the event for this worker's connections.
    void deliver(const hub::channel& ch, std::uint64_t sequence, const hub::frame& f) override;
    // The same for an event from the broker, unless this worker is more than
    // limits.max_remote_backlog_bytes of them behind: then the channel's events are dropped until
    // the worker's next turn, which closes every subscription that missed one with 4008 (as for a
    // slow consumer: the client resumes from the broker's stream). Memory stays bounded however
    // far behind the thread is, without refusing the publishes of other nodes.
    void deliver_remote(const hub::channel& ch, std::uint64_t sequence,
                        const hub::frame& f) override;

    // Any thread: asks every connection of this worker to close.
    void close_all(protocol::close_code code, const char* reason);
    // Any thread: runs `fn` on this worker's thread for every connection (directory reloads).
    void for_each_connection(std::function<void(ws_connection&)> fn);

    // Any thread: posts to this worker while it exists (answers of an async directory).
    const std::shared_ptr<worker_mailbox>& mailbox() const { return mailbox_; }
    bool on_this_thread() { return ioc_.get_executor().running_in_this_thread(); }

    // Set before start(): open connections are re-validated (directory.http.revalidate_ms).
    void set_revalidation(std::shared_ptr<revalidator> r) { revalidator_ = std::move(r); }
    revalidator* revalidation() const { return revalidator_.get(); }

    // Worker thread only, below.
    hub::local_fanout& fanout() { return fanout_; }
    server_state& state() { return state_; }
    void adopt(std::shared_ptr<ws_connection> c);
    void forget(ws_connection* c);
    // The connection has frames to write: it is flushed at the end of this turn. Inline: the
    // fanout calls it once per subscriber.
    void mark_dirty(ws_connection* c) {
        dirty_.push_back(c);
        if (!flush_posted_) post_flush();
    }
    // When the fanout turn being delivered began: a connection's "queued since" for the delivery
    // latency metric, read once per turn instead of once per subscriber.
    std::chrono::steady_clock::time_point turn_started() const { return turn_started_; }
    // Shared by every connection of the thread: an idle connection owns no read buffer.
    std::span<char> read_buffer() { return {read_buffer_.get(), read_buffer_size}; }
    const hub::frame& ping_frame() const { return ping_frame_; }
    // One inflater for every connection of the thread that negotiated permessage-deflate: each
    // compressed command stands alone, so no connection keeps compression state.
    protocol::deflate::inflater& inflater() { return inflater_; }

    static constexpr std::size_t read_buffer_size = 64 * 1024;

  private:
    struct queued_event {
        const hub::channel* ch;
        std::uint64_t sequence;
        hub::frame f;
    };
    void enqueue(queued_event e, bool from_broker);
    void drain();
    void post_flush();
    void flush_dirty();
    void schedule_tick();
    void on_tick();

    const unsigned index_;
    server_state& state_;
    asio::io_context ioc_{1};
    std::shared_ptr<worker_mailbox> mailbox_ = std::make_shared<worker_mailbox>(ioc_);
    std::thread thread_;
    hub::local_fanout fanout_;
    std::unique_ptr<char[]> read_buffer_;
    hub::frame ping_frame_;
    protocol::deflate::inflater inflater_;

    std::mutex inbox_mutex_;
    std::vector<queued_event> inbox_;  // guarded by inbox_mutex_
    std::vector<queued_event> draining_;
    const std::size_t max_remote_backlog_;
    std::size_t remote_backlog_ = 0;  // bytes of broker events in inbox_; guarded
    // Channels whose broker events were dropped since the last drain, with the sequence of the
    // last one dropped (guarded); one entry per channel, so bounded like the subscriptions.
    std::unordered_map<const hub::channel*, std::uint64_t> shed_;
    std::unordered_map<const hub::channel*, std::uint64_t> shedding_;

    std::vector<std::shared_ptr<ws_connection>> connections_;
    std::vector<ws_connection*> dirty_;
    // Connections that ended this turn: kept alive until the turn is over.
    std::vector<std::shared_ptr<ws_connection>> ended_;
    bool flush_posted_ = false;
    std::chrono::steady_clock::time_point turn_started_{};

    std::shared_ptr<revalidator> revalidator_;
    asio::steady_timer tick_timer_;
    std::chrono::milliseconds tick_period_;
};

}  // namespace kata::server
