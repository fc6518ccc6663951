#pragma once
// One Redis shard: a command connection and a pub/sub connection, reconnected together with
// exponential backoff (full jitter, capped) whenever either ends, and the broker's two scripts
// run over the command connection. Lives on the broker's io_context thread.
//
// Health check: every health_check interval the command connection publishes a token on this
// node's private channel, which the pub/sub connection holds. The PUBLISH is watched like any
// command, and the token must come back on the pub/sub connection within connect_timeout: a
// Redis that hangs (its kernel still acknowledging) is noticed on an idle node too. (A PING in
// subscribed mode would not do: hiredis 0.14 never calls its callback.)
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/hub/broker.hpp"
#include "core/redis/redis_broker_settings.hpp"
#include "core/redis/redis_connection.hpp"
#include "core/redis/redis_url.hpp"

namespace kata::redis {

class redis_shard {
  public:
    redis_shard(boost::asio::io_context& io, redis_url url, const redis_broker_settings& settings);
    ~redis_shard();

    // Both connections up and the scripts loaded, then `on_up`; `on_down` when that ends.
    std::function<void()> on_up;
    std::function<void()> on_down;
    // A line for the log when the shard comes up or fails ("redis 127.0.0.1:6379: ...").
    std::function<void(const std::string&)> on_log;
    // Every pub/sub reply but those of the shard's own keepalive channel.
    std::function<void(const redis_reply&)> on_push;

    void start();
    void stop();
    bool up() const { return up_.load(std::memory_order_relaxed); }
    const redis_url& url() const { return url_; }

    // The publish script over `events` (all of this shard): their ids, or nullopt when the shard
    // failed or is down. One round trip.
    void publish(const std::vector<const hub::outgoing_event*>& events,
                 std::function<void(std::optional<std::vector<protocol::event_id>>)> done);
    void history(const std::string& channel, std::optional<protocol::event_id> since,
                 std::function<void(hub::history_result)> done);
    // On the pub/sub connection; false when it is down.
    bool subscribe(const std::string& channel);
    bool unsubscribe(const std::string& channel);

  private:
    void connect();
    void connection_lost(const std::string& reason);
    void log_failure(const std::string& reason, bool was_up);
    void schedule_health_check();
    void health_check();
    void health_token(const std::string& token);
    void check_up();
    void load_script(std::string_view text, std::string& sha);
    void eval(std::string_view script, const std::string& sha, std::vector<std::string> args,
              std::function<void(std::optional<redis_reply>)> done);

    boost::asio::io_context& io_;
    redis_url url_;
    const redis_broker_settings& settings_;
    std::shared_ptr<redis_connection> cmd_, sub_;
    boost::asio::steady_timer retry_;
    std::uint32_t attempt_ = 0;
    std::uint64_t generation_ = 0;  // of the current connection pair: stale callbacks check it
    bool cmd_ready_ = false, sub_ready_ = false, stopped_ = false;
    std::atomic<bool> up_{false};
    std::string publish_sha_, history_sha_;
    std::string keepalive_;  // this node's private pub/sub channel (see broker_scripts.hpp)

    boost::asio::steady_timer health_timer_;     // the next health check
    boost::asio::steady_timer health_deadline_;  // the token in flight must be back by then
    std::uint64_t health_tokens_ = 0;
    std::string health_awaited_;  // the token in flight, empty when none

    // The log of failures: a new cause at once, the same cause again at most once a minute.
    std::string last_reason_;
    std::chrono::steady_clock::time_point last_logged_{};
    std::uint64_t unlogged_failures_ = 0;
};

}  // namespace kata::redis
