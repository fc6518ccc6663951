#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "core/auth/principal.hpp"
#include "core/protocol/command.hpp"
#include "core/server/beast_types.hpp"
#include "core/server/command_rate_limiter.hpp"
#include "core/server/outbound_queue.hpp"
#include "core/server/server_state.hpp"

namespace kata::server {

// One authenticated WebSocket connection. Everything but deliver() and close_from_server() runs
// on the connection's strand: a reader (this coroutine), a single writer that drains the
// outbound queue, and a watchdog for heartbeat, write timeout and close deadline.
class ws_session final : public hub::subscriber,
                         public closable,
                         public std::enable_shared_from_this<ws_session> {
  public:
    ws_session(ws_stream ws, auth::principal who, server_state& state);
    ~ws_session() override;

    // Completes the handshake for `request` and serves the connection until it ends.
    static asio::awaitable<void> run(std::shared_ptr<ws_session> self, http_request request);

    void deliver(const hub::frame& f) override;
    void close_from_server(protocol::close_code code, const char* reason) override;
    std::size_t queued_bytes() const override { return queue_.queued_bytes(); }

  private:
    using clock = std::chrono::steady_clock;

    static asio::awaitable<void> write_loop(std::shared_ptr<ws_session> self);
    static asio::awaitable<void> watchdog(std::shared_ptr<ws_session> self);

    void on_text(std::string_view text);
    void on_subscribe(const protocol::command& cmd);
    void on_unsubscribe(const protocol::command& cmd);
    void send_control(std::string_view type, const std::string* channel, std::string payload);
    void send_error(std::string_view code, std::string_view message, std::string_view request_id,
                    const std::string* channel = nullptr);
    hub::frame control_frame(std::string_view type, const std::string* channel,
                             std::string payload);
    void begin_close(protocol::close_code code, const char* reason);
    void cut();
    void set_cork(bool on);
    void teardown();

    ws_stream ws_;
    const auth::principal who_;
    server_state& state_;
    outbound_queue queue_;
    asio::steady_timer wake_;
    asio::steady_timer tick_;
    command_rate_limiter limiter_;
    std::unordered_map<std::string, protocol::channel_name> subscriptions_;

    clock::time_point last_activity_;
    clock::time_point last_ping_;
    clock::time_point write_started_;
    clock::time_point close_requested_at_;
    bool writing_ = false;
    bool ping_due_ = false;
    bool closing_ = false;
    bool done_ = false;
    protocol::close_code close_code_ = protocol::close_code::normal;
    const char* close_reason_ = "";
    std::uint64_t id_ = 0;           // connection id in logs
    tcp::endpoint remote_;           // peer address in logs, kept once the socket is gone
    clock::time_point queued_at_{};  // when the next batch's first frame was queued (metrics)
};

}  // namespace kata::server
