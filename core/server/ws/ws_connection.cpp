#include "core/server/ws/ws_connection.hpp"

#include <limits.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <cerrno>

#include "core/auth/expiry.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "core/server/ops/connection_accounting.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ops/log_limiter.hpp"
#include "core/server/ops/remote_address.hpp"
#include "core/server/ws/worker.hpp"

namespace kata::server {
namespace {

constexpr std::size_t max_iov = IOV_MAX < 1024 ? IOV_MAX : 1024;
// Reads per readiness event before yielding to the other connections of the thread.
constexpr int reads_per_turn = 4;

}  // namespace

ws_connection::ws_connection(tcp::socket socket, auth::principal who, auth::credential_kind kind,
                             std::string_view digest, worker& w)
    : socket_(std::move(socket)),
      who_(std::move(who)),
      worker_(w),
      mailbox_(w.mailbox()),
      state_(w.state()),
      parser_({.max_message_bytes = state_.config.limits.max_message_bytes, .server_role = true}),
      out_(state_.config.limits.max_queued_bytes),
      limiter_(state_.config.limits.commands_per_second, clock::now()),
      kind_(kind) {
    std::copy_n(digest.data(), std::min(digest.size(), digest_.size()), digest_.data());
    last_activity_ = last_ping_ = clock::now();
}

ws_connection::~ws_connection() = default;

void ws_connection::enable_deflate() {
    deflate_ = true;
    parser_.enable_deflate();
}

protocol::deflate::inflater* ws_connection::inflater() {
    return deflate_ ? &worker_.inflater() : nullptr;
}

void ws_connection::start(std::string_view early) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    id_ = state_.counters.connections_accepted.fetch_add(1) + 1;
    if (log_enabled(log_level::debug)) {
        log(log_level::debug, "connection open",
            {{"conn", id_}, {"who", who_.id}, {"remote", remote_address(socket_)}});
    }
    // Bytes that came with the upgrade request, parsed as if just read (the parser unmasks in
    // place, so they go through the worker's buffer).
    auto buf = worker_.read_buffer();
    while (!early.empty() && !ended_) {
        const auto n = std::min(early.size(), buf.size());
        std::copy_n(early.data(), n, buf.data());
        early.remove_prefix(n);
        feed(buf.first(n));
    }
    if (!ended_) arm_read();
}

void ws_connection::arm_read() {
    if (holds_input()) {
        // Already read from the socket (TLS): readiness would not wake us for it.
        asio::post(socket_.get_executor(), [self = shared_from_this()] {
            if (!self->ended_) self->on_readable();
        });
        return;
    }
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                           if (ec || self->ended_) return;
                           self->on_readable();
                       });
}

ws_connection::io_result ws_connection::read_some(std::span<char> into) {
    for (;;) {
        const ssize_t n = ::recv(socket_.native_handle(), into.data(), into.size(), 0);
        if (n > 0) return {static_cast<std::size_t>(n), io_state::ok};
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {0, io_state::would_block};
        return {0, io_state::closed};  // EOF or a socket error
    }
}

ws_connection::io_result ws_connection::write_some(const iovec* iov, std::size_t count) {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov);
    msg.msg_iovlen = count;
    for (;;) {
        const ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) return {static_cast<std::size_t>(n), io_state::ok};
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return {0, io_state::would_block};
        return {0, io_state::closed};  // the peer is gone
    }
}

void ws_connection::on_readable() {
    auto buf = worker_.read_buffer();
    for (int i = 0; i < reads_per_turn; ++i) {
        const auto r = read_some(buf);
        if (r.bytes > 0) {
            last_activity_ = clock::now();
            feed(buf.first(r.bytes));
            if (ended_) return;
            if (r.bytes < buf.size()) break;  // drained for now
            continue;
        }
        if (r.state == io_state::would_block) break;
        // EOF or a socket error: the peer can send nothing more.
        peer_closed_ = true;
        end();
        return;
    }
    arm_read();
}

void ws_connection::feed(std::span<char> bytes) {
    if (parser_.failed() || parser_.closed()) return;  // we only wait for the peer to go away
    const auto result = parser_.feed(bytes, *this);
    if (result.error) {
        begin_close(static_cast<protocol::close_code>(result.error->close_code),
                    result.error->reason);
        return;
    }
    if (!parser_.holds_partial()) parser_.release_memory();
}

void ws_connection::queue(hub::frame f, bool counted) {
    if (ended_ || overflowed_) return;
    if (closing_ && counted) return;  // nothing follows our close frame
    if (out_.empty()) queued_since_ = clock::now();
    if (!out_.push(std::move(f), counted, deflate_)) {
        // A slow consumer: its backlog is what we cut. Not here but at the flush, because the
        // worker may be walking a channel's member list right now.
        overflowed_ = true;
    }
    mark_dirty();
}

void ws_connection::push_event(const hub::frame& f) {
    // Only the worker's drain calls this, and it holds `f` until its flush is over: the outbox
    // borrows the frame, and pins it only if the socket does not take it this turn.
    if (ended_ || overflowed_ || closing_) return;
    if (out_.empty()) queued_since_ = worker_.turn_started();
    if (!out_.push_borrowed(f, deflate_)) overflowed_ = true;
    mark_dirty();
}

void ws_connection::missed_events() {
    // What a slow consumer gets, for the same reason: it would otherwise see a hole in its
    // events. Its client resumes with `since` and the broker's stream fills the hole.
    if (ended_ || overflowed_ || closing_) return;
    overflowed_ = true;
    mark_dirty();
}

void ws_connection::mark_dirty() {
    if (dirty_ || ended_) return;
    dirty_ = true;
    worker_.mark_dirty(this);
}

void ws_connection::flush_now() {
    dirty_ = false;
    if (ended_) return;
    if (overflowed_ && !closing_) {
        overflowed_ = false;
        state_.counters.closed_slow_consumer.fetch_add(1);
        begin_close(protocol::close_code::slow_consumer, "slow consumer");
        overflowed_ = true;  // nothing more is queued for it
    }
    if (write_armed_) {  // the socket is full; the write wait flushes when it drains
        out_.pin_borrowed();
        return;
    }
    iovec iov[max_iov];
    std::size_t written = 0;
    std::size_t plain = 0;
    // One count per flush, not per frame: the metric costs an atomic next to a system call.
    const auto account = [&] {
        if (written) state_.counters.count_write(written, plain, clock::now() - queued_since_);
    };
    while (!out_.empty() || holds_output()) {
        const std::size_t count = out_.gather(iov, max_iov);
        const auto r = write_some(iov, count);
        plain += out_.consume(r.bytes);
        written += r.bytes;
        if (r.state == io_state::ok) continue;
        if (r.state == io_state::would_block) {
            account();
            out_.pin_borrowed();
            write_blocked_since_ = clock::now();
            arm_write();
            return;
        }
        end();  // the peer is gone
        return;
    }
    account();
    out_.release_memory();
    // Our close frame is out: once the peer's close came back (or it broke the protocol and
    // will not send one we could read), the connection is over.
    if (closing_ && peer_closed_) end();
}

void ws_connection::arm_write() {
    write_armed_ = true;
    socket_.async_wait(tcp::socket::wait_write,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->write_armed_ = false;
                           if (ec || self->ended_) return;
                           self->flush_now();
                       });
}

void ws_connection::queue_close_frame(std::uint16_t code, std::string_view reason) {
    out_.push(protocol::ws::server_frame(protocol::ws::opcode::close,
                                         protocol::ws::close_body(code, reason)),
              false);
    mark_dirty();
}

void ws_connection::begin_close(protocol::close_code code, const char* reason) {
    if (closing_ || ended_) return;
    closing_ = true;
    close_code_ = static_cast<std::uint16_t>(code);
    close_started_ = clock::now();
    // A slow consumer's backlog is what we are cutting; anyone else gets what was already
    // queued for them (answers, events) before the close frame.
    if (code == protocol::close_code::slow_consumer) out_.drop_unstarted();
    // After a protocol error the peer's bytes cannot be trusted to hold a close frame.
    if (parser_.failed()) peer_closed_ = true;
    queue_close_frame(close_code_, reason);
}

void ws_connection::on_close(std::optional<std::uint16_t> code, std::string_view) {
    peer_closed_ = true;
    if (closing_) {
        // The answer to our close: done once our close frame has left.
        if (out_.empty() && !holds_output()) end();
        return;
    }
    // The peer starts the close: echo its code (RFC 6455 5.5.1), after what is already queued.
    closing_ = true;
    close_started_ = clock::now();
    close_code_ = code.value_or(1000);
    if (code) {
        queue_close_frame(*code, {});
    } else {
        out_.push(protocol::ws::server_frame(protocol::ws::opcode::close, {}), false);
        mark_dirty();
    }
}

void ws_connection::on_tick(clock::time_point now) {
    if (ended_) return;
    const auto& cfg = state_.config;
    if (closing_) {
        if (now - close_started_ > close_grace) end();
        return;
    }
    if (write_armed_ && now - write_blocked_since_ > cfg.limits.write_timeout) {
        state_.counters.closed_write_timeout.fetch_add(1);
        log(log_level::info, "write timeout: closing the connection",
            {{"conn", id_}, {"who", who_.id}, {"remote", remote_address(socket_)}});
        end();
        return;
    }
    // The sweep runs at least every close_grace / 4, so an expiry is enforced well within 1 s
    // without a timer per connection; connections without one never read the wall clock.
    if (close_if_expired()) return;
    if (now - last_activity_ > cfg.heartbeat.timeout) {
        state_.counters.closed_heartbeat.fetch_add(1);
        begin_close(protocol::close_code::heartbeat_timeout, "heartbeat timeout");
        return;
    }
    if (now - last_ping_ >= cfg.heartbeat.interval) {
        last_ping_ = now;
        queue(worker_.ping_frame(), false);
    }
}

bool ws_connection::close_if_expired() {
    if (who_.expires_at_ms == 0 || !auth::is_expired(who_, auth::unix_now_ms())) return false;
    state_.counters.closed_expired.fetch_add(1);
    log_refusal(refusal::credential_expired, remote_address(socket_), who_.id, {}, id_);
    begin_close(protocol::close_code::unauthorized, "credential expired");
    return true;
}

void ws_connection::end() {
    if (ended_) return;
    ended_ = true;
    // The code it ended with: ours or the peer's close, or 1006 when it went without one.
    const std::uint16_t code = closing_ ? close_code_ : 1006;
    account_close(state_, code, id_, who_.id, remote_address(socket_));
    drop(state_.counters.subscriptions, subscriptions_.size());
    for (hub::channel* ch : subscriptions_)
        leave(ch);
    subscriptions_.clear();
    pending_.clear();  // late directory answers find ended_ and do nothing
    close_transport();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    state_.release_connection();
    worker_.forget(this);  // may drop the last reference but the caller's
}

}  // namespace kata::server
