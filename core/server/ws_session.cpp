#include "core/server/ws_session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "core/protocol/error_code.hpp"
#include "core/server/connection_accounting.hpp"
#include "core/server/log.hpp"
#include "core/server/remote_address.hpp"

namespace kata::server {
namespace {

// How long a close may take once decided (close frame out, peer's close back) before the socket
// is cut. Short, so a slow consumer's memory and socket are released "at once".
constexpr std::chrono::milliseconds close_grace{1000};

}  // namespace

ws_session::ws_session(ws_stream ws, auth::principal who, server_state& state)
    : ws_(std::move(ws)),
      who_(std::move(who)),
      state_(state),
      queue_(state.config.limits.max_queued_bytes),
      wake_(ws_.get_executor()),
      tick_(ws_.get_executor()),
      limiter_(state.config.limits.commands_per_second, clock::now()) {
    const auto now = clock::now();
    last_activity_ = last_ping_ = now;
}

ws_session::~ws_session() = default;

asio::awaitable<void> ws_session::run(std::shared_ptr<ws_session> self, http_request request) {
    auto [ec] = co_await self->ws_.async_accept(request, use_tuple);
    if (ec) {
        self->state_.release_connection();
        co_return;
    }
    request = {};  // its headers are not needed for the connection's lifetime
    // The HTTP phase's deadline is over; from here on the watchdog owns every timeout.
    beast::get_lowest_layer(self->ws_).expires_never();
    self->ws_.read_message_max(self->state_.config.limits.max_message_bytes);
    // One frame per event: fragmenting would cost a syscall per 4 KiB for nothing.
    self->ws_.auto_fragment(false);
    self->ws_.control_callback([raw = self.get()](websocket::frame_type, std::string_view) {
        raw->last_activity_ = clock::now();
    });
    self->state_.add(self.get());
    self->id_ = self->state_.counters.connections_accepted.fetch_add(1) + 1;
    self->remote_ = remote_endpoint(beast::get_lowest_layer(self->ws_).socket());
    log(log_level::debug, "connection open",
        {{"conn", self->id_}, {"who", self->who_.id}, {"remote", remote_address(self->remote_)}});

    const auto ex = self->ws_.get_executor();
    asio::co_spawn(ex, write_loop(self), asio::detached);
    asio::co_spawn(ex, watchdog(self), asio::detached);

    beast::flat_buffer buffer;
    beast::error_code end;
    for (;;) {
        auto [read_ec, n] = co_await self->ws_.async_read(buffer, use_tuple);
        if (read_ec) {
            end = read_ec;
            break;
        }
        self->last_activity_ = clock::now();
        if (!self->closing_) {
            if (self->ws_.got_text()) {
                const auto data = buffer.cdata();
                self->on_text({static_cast<const char*>(data.data()), data.size()});
            } else {
                self->send_error(protocol::error_code::unsupported_frame,
                                 "binary frames are not supported in protocol version 1", "");
            }
        }
        buffer.consume(n);
        // An idle connection should not keep the memory of its largest message.
        if (buffer.capacity() > 4096) buffer.shrink_to_fit();
    }
    account_close(self->state_,
                  observed_close_code(end, self->ws_.reason(), self->closing_, self->close_code_),
                  self->id_, self->who_.id, remote_address(self->remote_));
    self->teardown();
}

void ws_session::teardown() {
    done_ = true;
    drop(state_.counters.subscriptions, subscriptions_.size());
    for (const auto& [key, channel] : subscriptions_)
        state_.hub.unsubscribe(channel, this);
    subscriptions_.clear();
    queue_.close();
    wake_.cancel();
    tick_.cancel();
    cut();
    state_.remove(this);
    state_.release_connection();
}

void ws_session::deliver(const hub::frame& f) {
    switch (queue_.push(f)) {
        case outbound_queue::push_result::queued:
        case outbound_queue::push_result::closed:
            return;
        case outbound_queue::push_result::wake_writer:
            asio::post(ws_.get_executor(), [self = shared_from_this(), at = clock::now()] {
                self->queued_at_ = at;
                self->wake_.cancel();
            });
            return;
        case outbound_queue::push_result::overflow:
            state_.counters.closed_slow_consumer.fetch_add(1);
            asio::post(ws_.get_executor(), [self = shared_from_this()] {
                self->begin_close(protocol::close_code::slow_consumer, "slow consumer");
            });
            return;
    }
}

void ws_session::close_from_server(protocol::close_code code, const char* reason) {
    asio::post(ws_.get_executor(),
               [self = shared_from_this(), code, reason] { self->begin_close(code, reason); });
}

void ws_session::begin_close(protocol::close_code code, const char* reason) {
    if (closing_ || done_) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = reason;
    close_requested_at_ = clock::now();
    // A slow consumer's backlog is what we are cutting; anyone else gets what was already
    // queued for them (answers, events) before the close frame.
    if (code == protocol::close_code::slow_consumer) {
        queue_.close();
    } else {
        queue_.seal();
    }
    wake_.cancel();
    tick_.cancel();  // the watchdog now keeps the close deadline
}

void ws_session::set_cork(bool on) {
    const int value = on ? 1 : 0;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

void ws_session::cut() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

asio::awaitable<void> ws_session::write_loop(std::shared_ptr<ws_session> self) {
    std::vector<hub::frame> batch;
    while (!self->done_) {
        if (self->ping_due_ && !self->closing_) {
            self->ping_due_ = false;
            auto [ec] = co_await self->ws_.async_ping({}, use_tuple);
            if (ec) co_return;
            continue;
        }
        self->queue_.take(batch);
        // Frames of this batch were queued at queued_at_ or later; later ones from now on.
        const auto batch_queued_at = std::exchange(self->queued_at_, clock::now());
        if (batch.empty()) {
            if (self->closing_) break;
            self->wake_.expires_at(clock::time_point::max());
            co_await self->wake_.async_wait(use_tuple);
            continue;
        }
        // Several frames at once (a backlog): cork the socket so they leave as few full segments
        // instead of a packet (and a receiver wake-up) per frame; uncorking flushes the rest.
        const bool cork = batch.size() > 1;
        if (cork) self->set_cork(true);
        for (const auto& f : batch) {
            if (self->done_ ||
                (self->closing_ && self->close_code_ == protocol::close_code::slow_consumer))
                break;
            self->writing_ = true;
            self->write_started_ = clock::now();
            auto [ec, n] = co_await self->ws_.async_write(asio::buffer(*f), use_tuple);
            self->writing_ = false;
            self->queue_.release(f->size());
            if (ec) co_return;
            self->state_.counters.count_write(n, clock::now() - batch_queued_at);
        }
        if (cork) self->set_cork(false);
    }
    if (self->done_) co_return;
    websocket::close_reason reason;
    reason.code = static_cast<std::uint16_t>(self->close_code_);
    reason.reason = self->close_reason_;
    co_await self->ws_.async_close(reason, use_tuple);
}

asio::awaitable<void> ws_session::watchdog(std::shared_ptr<ws_session> self) {
    const auto& cfg = self->state_.config;
    // An idle connection wakes a few times per heartbeat interval, not more: 10,000 idle
    // connections must cost next to nothing. A closing one is watched at the close deadline's pace.
    const auto shortest =
        std::min({cfg.heartbeat.interval, cfg.heartbeat.timeout, cfg.limits.write_timeout});
    const auto tick_of = [](std::chrono::milliseconds span) {
        return std::clamp<std::chrono::milliseconds>(span / 4, std::chrono::milliseconds(2),
                                                     std::chrono::milliseconds(5000));
    };
    const auto open_tick = tick_of(shortest);
    const auto closing_tick = tick_of(close_grace);
    while (!self->done_) {
        self->tick_.expires_after(self->closing_ ? closing_tick : open_tick);
        co_await self->tick_.async_wait(use_tuple);
        if (self->done_) break;
        const auto now = clock::now();
        if (self->closing_) {
            if (now - self->close_requested_at_ > close_grace) self->cut();
            continue;
        }
        if (self->writing_ && now - self->write_started_ > cfg.limits.write_timeout) {
            self->state_.counters.closed_write_timeout.fetch_add(1);
            log(log_level::info, "write timeout: closing connection",
                {{"conn", self->id_},
                 {"who", self->who_.id},
                 {"remote", remote_address(self->remote_)}});
            self->cut();
            break;
        }
        if (now - self->last_activity_ > cfg.heartbeat.timeout) {
            self->state_.counters.closed_heartbeat.fetch_add(1);
            self->begin_close(protocol::close_code::heartbeat_timeout, "heartbeat timeout");
            continue;
        }
        if (now - self->last_ping_ >= cfg.heartbeat.interval) {
            self->last_ping_ = now;
            self->ping_due_ = true;
            self->wake_.cancel();
        }
    }
}

}  // namespace kata::server
