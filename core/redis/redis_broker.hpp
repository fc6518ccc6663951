#pragma once
// kata::hub::broker over Redis: channels spread over shards (shard_of), each event stored and
// published by one Lua script per shard per publish, each open channel fed through a
// channel_feed (order, de-duplication, gap fill from the stream). Runs its own thread with one
// io_context; every call posts there, every answer and sink call comes from there.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "core/hub/broker.hpp"
#include "core/redis/channel_feed.hpp"
#include "core/redis/redis_broker_settings.hpp"
#include "core/redis/redis_shard.hpp"

namespace kata::redis {

class redis_broker final : public hub::broker {
  public:
    // Throws std::invalid_argument when there is no URL or one does not parse (message names it).
    explicit redis_broker(redis_broker_settings settings);
    ~redis_broker() override;

    void set_sink(hub::broker_sink* sink) override { sink_ = sink; }
    // Set before start(): receives one line per shard state change, on the broker's thread.
    void set_logger(std::function<void(const std::string&)> log) { log_ = std::move(log); }
    void start() override;
    void stop() override;
    void publish(std::vector<hub::outgoing_event> events,
                 std::function<void(hub::publish_result)> done) override;
    void open(const std::string& channel,
              std::function<void(std::optional<hub::stream_position>)> done) override;
    void close(const std::string& channel) override;
    void history(const std::string& channel, std::optional<protocol::event_id> since,
                 std::function<void(hub::history_result)> done) override;
    bool ready() const override;

    const redis_broker_settings& settings() const { return settings_; }

    // Tests only, set before the calls it should catch: runs inside every call that found the
    // broker running, between that check and its post, so a test can hold a call there while it
    // stops the broker.
    void pause_calls_for_test(std::function<void()> pause) { pause_for_test_ = std::move(pause); }

  private:
    using open_handler = std::function<void(std::optional<hub::stream_position>)>;
    enum class sub_state { none, subscribing, subscribed, unsubscribing };
    struct channel_entry {
        bool wanted = false;  // the last call was open()
        sub_state sub = sub_state::none;
        bool reading_position = false;
        std::uint64_t generation = 0;  // bumped by close() and shard loss: stale answers check it
        std::vector<open_handler> waiting;
        std::optional<channel_feed> feed;
    };
    struct shard_state {
        std::unique_ptr<redis_shard> shard;
        std::unordered_map<std::string, channel_entry> channels;
    };

    shard_state& shard_for(const std::string& channel);
    void advance(shard_state& s, const std::string& channel);
    void read_position(shard_state& s, const std::string& channel, channel_entry& c);
    void fill(shard_state& s, const std::string& channel, channel_entry& c);
    void deliver(const std::string& channel, channel_feed::events& out);
    void on_push(shard_state& s, const redis_reply& r);
    void on_shard_up(shard_state& s);
    void on_shard_down(shard_state& s);
    // Held (owns the lock) while the broker runs, else empty. A call posts to the broker's
    // thread under it, so that the check and the post are one step against stop(): nothing is
    // posted behind stop's last handler, where it would never run (its caller waiting forever)
    // and be destroyed with the context.
    std::unique_lock<std::mutex> lock_if_running();

    redis_broker_settings settings_;
    std::function<void()> pause_for_test_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<shard_state> shards_;
    hub::broker_sink* sink_ = nullptr;
    std::function<void(const std::string&)> log_;
    std::thread thread_;
    std::mutex running_mutex_;  // held while running_ is changed and while a call posts
    std::atomic<bool> running_{false};
};

}  // namespace kata::redis
