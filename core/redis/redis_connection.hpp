#pragma once
// One hiredis async connection driven by an Asio io_context: hiredis' event hooks (addRead,
// delRead, addWrite, delWrite, cleanup) become async_wait()s on the context's socket, which
// hiredis keeps owning (we never close it). One object is one connection attempt: after it ends,
// the owner makes a new one. Every call and callback happens on the io_context's thread.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/redis/redis_reply.hpp"
#include "core/redis/redis_url.hpp"

struct redisAsyncContext;

namespace kata::redis {

class redis_connection : public std::enable_shared_from_this<redis_connection> {
  public:
    // The reply, or nullopt when the connection ended first (always called, exactly once).
    using reply_handler = std::function<void(std::optional<redis_reply>)>;
    // Every pub/sub reply: ["subscribe"|"unsubscribe", channel, count], ["message", channel,
    // payload].
    using push_handler = std::function<void(const redis_reply&)>;

    explicit redis_connection(boost::asio::io_context& io);
    ~redis_connection();
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;

    // Connects, then AUTH (when `password` is set; `url.user` too when set) and SELECT url.db.
    // `on_up` once that all succeeded within `timeout` (hiredis 0.14 cannot time an async
    // connect, so we do). `on_down(reason)` once when the attempt fails or the connection ends
    // later, unless close() was called. A command that gets no reply within `timeout` ends the
    // connection too: a Redis that stopped answering is treated as gone.
    void connect(const redis_url& url, const std::string& password,
                 std::chrono::milliseconds timeout, std::function<void()> on_up,
                 std::function<void(std::string)> on_down);

    bool up() const { return up_ && !closing_; }

    // Sends a command; false (and `done` dropped) when the connection is not up.
    bool command(const std::vector<std::string>& args, reply_handler done);

    // Pub/sub: SUBSCRIBE / UNSUBSCRIBE one channel; their confirmations and the messages go to
    // the push handler. The connection is then in subscribed mode: no other command on it. A
    // confirmation is awaited like a reply: none within `timeout` ends the connection.
    void set_push_handler(push_handler push) { push_ = std::move(push); }
    bool subscribe(std::string_view channel);
    bool unsubscribe(std::string_view channel);

    // Ends the connection now. Pending reply handlers get nullopt (posted); on_down is not called.
    void close();

  private:
    static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_push(redisAsyncContext* ac, void* reply, void* privdata);
    static void add_read(void* self);
    static void del_read(void* self);
    static void add_write(void* self);
    static void del_write(void* self);
    static void cleanup(void* self);

    bool send(const std::vector<std::string_view>& args,
              void (*fn)(redisAsyncContext*, void*, void*), void* privdata);
    void arm_read();
    void arm_write();
    void arm_watchdog();
    std::optional<std::chrono::steady_clock::time_point> oldest_unanswered() const;
    void confirmed(const redis_reply& r);
    void fail(std::string reason);

    boost::asio::io_context& io_;
    redisAsyncContext* ctx_ = nullptr;
    std::optional<boost::asio::posix::stream_descriptor> socket_;
    boost::asio::steady_timer connect_timer_;  // the connect + handshake deadline
    boost::asio::steady_timer watchdog_;       // the oldest unanswered command's deadline
    std::chrono::milliseconds timeout_{1000};
    std::deque<std::chrono::steady_clock::time_point> sent_;  // per command awaiting its reply
    struct awaited_confirmation {
        bool subscribe;
        std::string channel;
        std::chrono::steady_clock::time_point sent;
    };
    std::deque<awaited_confirmation> unconfirmed_;  // SUBSCRIBE / UNSUBSCRIBE, oldest first
    bool want_read_ = false, want_write_ = false;
    bool reading_ = false, writing_ = false;
    bool up_ = false, closing_ = false, watchdog_armed_ = false;
    std::function<void()> on_up_;
    std::function<void(std::string)> on_down_;
    push_handler push_;
};

}  // namespace kata::redis
