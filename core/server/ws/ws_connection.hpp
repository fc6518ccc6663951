#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/auth/async_directory.hpp"
#include "core/auth/authorizer.hpp"
#include "core/auth/directory.hpp"
#include "core/auth/principal.hpp"
#include "core/hub/local_fanout.hpp"
#include "core/protocol/close_codes.hpp"
#include "core/protocol/command.hpp"
#include "core/protocol/ws_frame_parser.hpp"
#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/command_rate_limiter.hpp"
#include "core/server/ops/server_state.hpp"
#include "core/server/ws/outbox.hpp"
#include "core/server/ws/worker_mailbox.hpp"

namespace kata::server {

class worker;
struct revalidation_batch;

// How long a close may take once decided (close frame out, peer's close back) before the socket
// is cut. Short, so a slow consumer's memory and socket are released "at once".
inline constexpr std::chrono::milliseconds close_grace{1000};

// One authenticated WebSocket connection after the upgrade, on its worker's thread only. It owns
// no coroutine, no timer and no read buffer: it waits for readability, reads into the worker's
// buffer, parses with our RFC 6455 codec (keeping only a partial frame's bytes) and writes its
// outbox with one gather write per turn. The worker's sweep keeps its heartbeat and deadlines.
// This class speaks to the plain socket; tls_ws_connection overrides its transport hooks.
class ws_connection : public hub::delivery_target,
                      public std::enable_shared_from_this<ws_connection>,
                      private protocol::ws::frame_handler {
  public:
    using clock = std::chrono::steady_clock;

    ws_connection(tcp::socket socket, auth::principal who, auth::credential_kind kind,
                  std::string_view digest, worker& w);
    ~ws_connection() override;

    // permessage-deflate was negotiated in the upgrade (before start()): compressed events go
    // out as such and compressed commands are read. The connection keeps no compression state.
    void enable_deflate();
    bool deflate() const { return deflate_; }

    // Starts serving; `early` holds bytes the client sent right after its upgrade request.
    void start(std::string_view early);

    // hub::delivery_target: a live event from the worker's fanout.
    void push_event(const hub::frame& f) override;
    // hub::delivery_target: the worker dropped events meant for it; closed with 4008 at the flush.
    void missed_events() override;

    // Worker thread: writes what is queued now (the worker calls it at the end of a turn).
    void flush_now();
    void on_tick(clock::time_point now);
    void begin_close(protocol::close_code code, const char* reason);

    // The directory was reloaded: re-checks the principal and every subscription.
    void recheck(const auth::directory& dir);
    // A disconnect (ws_connection_revoke.cpp): when it names this connection's credential, closes
    // it 4401 `credential revoked`, or with a channel ends that subscription (`unsubscribed`
    // {"reason":"revoked"}). True when it matched (with a channel: when the channel was held).
    bool revoke(const auth::disconnect_target& target);

    // Fresh directory answers (the revalidator's): a credential no longer known closes the
    // connection, a spec or agent that moved ends that subscription.
    void apply_revalidation(const revalidation_batch& batch);

    const auth::principal& who() const { return who_; }
    auth::credential_kind kind() const { return kind_; }
    std::string_view digest() const { return {digest_.data(), digest_.size()}; }
    std::size_t slot() const { return slot_; }
    void set_slot(std::size_t s) { slot_ = s; }
    bool is_dirty() const { return dirty_; }
    std::size_t queued_bytes() const { return out_.queued_bytes(); }

  protected:
    // The transport, virtual so that TLS costs a plain connection no byte of memory (the object
    // already has a vtable) and only an indirect call next to each system call.
    enum class io_state { ok, would_block, closed };
    struct io_result {
        std::size_t bytes = 0;
        io_state state = io_state::ok;
    };
    // Reads into `into`; fewer bytes than its size means the socket had no more for now.
    virtual io_result read_some(std::span<char> into);
    // Writes from `iov` (count may be 0 when only holds_output() bytes wait).
    virtual io_result write_some(const iovec* iov, std::size_t count);
    // Bytes the transport took but the socket did not yet (TLS records).
    virtual bool holds_output() const { return false; }
    // Bytes the transport read from the socket but did not yet return (TLS).
    virtual bool holds_input() const { return false; }
    // Before the socket is closed (TLS: close_notify).
    virtual void close_transport() {}
    // The transport has bytes to send: flush at the end of the turn.
    void request_flush() { mark_dirty(); }
    tcp::socket& socket() { return socket_; }
    std::uint64_t id() const { return id_; }

  private:
    // protocol::ws::frame_handler
    bool on_text(std::string_view message) override;
    bool on_binary(std::string_view message) override;
    bool on_ping(std::string_view payload) override;
    bool on_pong(std::string_view payload) override;
    void on_close(std::optional<std::uint16_t> code, std::string_view reason) override;
    bool admit_compressed() override;
    protocol::deflate::inflater* inflater() override;

    bool admit_frame();  // the command rate limit, for every client frame
    // Closes 4401 `credential expired` once the principal's expires_at passed; true if it did.
    bool close_if_expired();
    void handle_command(std::string_view text);
    void on_subscribe(const protocol::command& cmd);
    void on_unsubscribe(const protocol::command& cmd);
    // The tail of a subscribe once authorization is decided (at once, or when an async
    // directory answered).
    void finish_subscribe(const protocol::command& cmd, auth::decision verdict);
    // Joins the channel's local fanout and answers `subscribed`, then the replay.
    void complete_subscribe(const protocol::command& cmd, hub::attachment& att);
    // With a remote broker (ws_connection_remote.cpp): the channel is opened in the broker and a
    // resume fetched from it while the connection goes on serving.
    void subscribe_remote(const protocol::command& cmd);
    void subscribe_prepared(const protocol::command& cmd, std::uint64_t id, hub::prepared p);
    std::function<void(hub::prepared)> resume_prepared(const protocol::command& cmd,
                                                       std::uint64_t id);
    // Subscribes through an async directory (ws_connection_pending.cpp): the principal is
    // re-checked (a cache hit, unless its cached answer expired) and the owner looked up; the
    // subscribe is answered when both are known, on this connection's thread.
    void subscribe_async(const auth::async_directory& dir, const protocol::command& cmd);
    void subscribe_authenticated(const protocol::command& cmd, std::uint64_t id,
                                 auth::lookup_result<auth::principal> found);
    void subscribe_owned(const protocol::command& cmd, std::uint64_t id,
                         const auth::lookup_result<std::string>& owner);
    bool take_pending(std::uint64_t id);
    void cancel_pending(const std::string& channel);
    // Runs `fn` on this connection's thread: now when already there (a cache hit answered
    // inline), else through the worker's mailbox. Any thread, even once the worker is gone: it
    // reads only the mailbox, which outlives the worker (then `fn` is dropped).
    void run_here(std::function<void()> fn);
    void leave(hub::channel* ch);
    // Ends subscription `i` with `unsubscribed` {"reason":"revoked"}.
    void end_revoked_subscription(std::size_t i);
    hub::channel* find_subscription(std::string_view name) const;
    // Answers `subscription_limit` when the connection holds max_subscriptions already.
    bool refuse_over_limit(const protocol::command& cmd, const std::string& key);
    void send_control(std::string_view type, const std::string* channel, std::string payload);
    void send_error(std::string_view code, std::string_view message, std::string_view request_id,
                    const std::string* channel = nullptr);
    hub::frame control_frame(std::string_view type, const std::string* channel,
                             std::string payload);

    void feed(std::span<char> bytes);
    void arm_read();
    void on_readable();
    void arm_write();
    void queue(hub::frame f, bool counted);
    void queue_close_frame(std::uint16_t code, std::string_view reason);
    void mark_dirty();
    void end();  // closes the socket and frees everything; idempotent

    tcp::socket socket_;
    auth::principal who_;
    std::array<char, 64> digest_{};  // the credential's SHA-256, hex: re-checked on reloads
    worker& worker_;
    std::shared_ptr<worker_mailbox> mailbox_;  // the worker's, for answers from other threads
    server_state& state_;
    protocol::ws::frame_parser parser_;
    outbox out_;
    command_rate_limiter limiter_;
    std::vector<hub::channel*> subscriptions_;
    // Subscribes waiting for an async directory, by id; an unsubscribe of the channel removes
    // its entries, and the late answer then ends as `unsubscribed`.
    struct pending_subscribe {
        std::uint64_t id;
        std::string channel;
    };
    std::vector<pending_subscribe> pending_;
    std::uint64_t next_pending_id_ = 0;

    clock::time_point last_activity_;
    clock::time_point last_ping_;
    clock::time_point write_blocked_since_;
    clock::time_point close_started_;
    clock::time_point queued_since_;  // when the outbox last went from empty to not (metrics)
    std::uint64_t id_ = 0;            // for logs: which connection
    std::size_t slot_ = 0;
    std::uint16_t close_code_ = 0;
    auth::credential_kind kind_;
    bool dirty_ = false;
    bool write_armed_ = false;
    bool overflowed_ = false;   // a live event passed max_queued_bytes: cut with 4008
    bool closing_ = false;      // our close frame is queued or sent
    bool peer_closed_ = false;  // the peer's close frame arrived (or it can no longer send one)
    bool ended_ = false;
    bool deflate_ = false;   // permessage-deflate negotiated
    bool admitted_ = false;  // the compressed command being delivered was counted already
};

}  // namespace kata::server
