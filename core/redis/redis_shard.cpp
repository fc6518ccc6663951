#include "core/redis/redis_shard.hpp"

#include <random>

#include <boost/asio/post.hpp>

#include "core/client/backoff.hpp"
#include "core/redis/broker_message.hpp"
#include "core/redis/broker_scripts.hpp"

namespace kata::redis {
namespace {

double unit_random() {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

// The node's private pub/sub channel: the prefix, then '#' (a channel's is the prefix, then ':',
// so no channel of any node can take it) and 16 random hex digits.
std::string private_channel(const std::string& prefix) {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = prefix + "#";
    auto bits = gen();
    for (int i = 0; i < 16; ++i, bits >>= 4)
        out += hex[bits & 15];
    return out;
}

constexpr std::chrono::seconds repeat_log_interval{60};

}  // namespace

redis_shard::redis_shard(boost::asio::io_context& io, redis_url url,
                         const redis_broker_settings& settings)
    : io_(io),
      url_(std::move(url)),
      settings_(settings),
      retry_(io),
      keepalive_(private_channel(settings.prefix)),
      health_timer_(io),
      health_deadline_(io) {
    if (!settings_.password.empty()) url_.password = settings_.password;
}

redis_shard::~redis_shard() {
    stop();
}

void redis_shard::start() {
    stopped_ = false;
    connect();
    schedule_health_check();
}

void redis_shard::stop() {
    stopped_ = true;
    ++generation_;
    retry_.cancel();
    health_timer_.cancel();
    health_deadline_.cancel();
    health_awaited_.clear();
    up_ = false;
    if (cmd_) cmd_->close();
    if (sub_) sub_->close();
    cmd_.reset();
    sub_.reset();
}

void redis_shard::connect() {
    if (stopped_) return;
    const auto gen = ++generation_;
    cmd_ready_ = sub_ready_ = false;
    publish_sha_.clear();
    history_sha_.clear();
    cmd_ = std::make_shared<redis_connection>(io_);
    sub_ = std::make_shared<redis_connection>(io_);
    auto lost = [this, gen](std::string reason) {
        if (gen == generation_) connection_lost(reason);
    };
    sub_->set_push_handler([this, gen](const redis_reply& r) {
        if (gen != generation_) return;
        if (r.is_array() && r.elements.size() >= 2 && r.elements[1].str == keepalive_) {
            if (r.elements[0].str == "subscribe") {
                sub_ready_ = true;
                check_up();
            } else if (r.elements[0].str == "message" && r.elements.size() >= 3) {
                health_token(r.elements[2].str);
            }
            return;
        }
        if (on_push) on_push(r);
    });
    cmd_->connect(
        url_, url_.password, settings_.connect_timeout,
        [this, gen] {
            if (gen != generation_) return;
            load_script(publish_script, publish_sha_);
            load_script(history_script, history_sha_);
        },
        lost);
    sub_->connect(
        url_, url_.password, settings_.connect_timeout,
        [this, gen] {
            if (gen == generation_ && !sub_->subscribe(keepalive_))
                connection_lost("cannot subscribe");
        },
        lost);
}

void redis_shard::load_script(std::string_view text, std::string& sha) {
    const auto gen = generation_;
    cmd_->command({"SCRIPT", "LOAD", std::string(text)},
                  [this, gen, &sha](std::optional<redis_reply> r) {
                      if (gen != generation_ || !r) return;  // a lost connection reports itself
                      if (!r->is_string()) return connection_lost("SCRIPT LOAD failed: " + r->str);
                      sha = r->str;
                      cmd_ready_ = !publish_sha_.empty() && !history_sha_.empty();
                      check_up();
                  });
}

void redis_shard::check_up() {
    if (!cmd_ready_ || !sub_ready_ || up_) return;
    if (on_log) on_log("redis " + url_.address() + ": connected");
    attempt_ = 0;
    last_reason_.clear();
    unlogged_failures_ = 0;
    up_ = true;
    if (on_up) on_up();
}

void redis_shard::connection_lost(const std::string& reason) {
    if (stopped_) return;
    ++generation_;
    if (cmd_) cmd_->close();
    if (sub_) sub_->close();
    health_deadline_.cancel();
    health_awaited_.clear();
    const bool was_up = up_.exchange(false);
    const client::backoff_policy policy{settings_.reconnect_min, settings_.reconnect_max,
                                        std::chrono::milliseconds{0}};
    const auto delay = client::backoff_delay(policy, attempt_++, unit_random());
    log_failure(reason, was_up);
    retry_.expires_after(delay);
    retry_.async_wait([this, gen = generation_](boost::system::error_code ec) {
        if (!ec && gen == generation_) connect();
    });
    if (was_up && on_down) on_down();
}

// A shard that goes down, or fails for another reason than last time (Redis came back with
// another password: "AUTH failed: WRONGPASS ..."), says so at once; one that keeps failing for
// the same reason says so again at most once a minute, not at every retry.
void redis_shard::log_failure(const std::string& reason, bool was_up) {
    const auto now = std::chrono::steady_clock::now();
    const bool again = !was_up && reason == last_reason_;
    if (again && now - last_logged_ < repeat_log_interval) {
        ++unlogged_failures_;
        return;
    }
    std::string line = "redis " + url_.address() + ": " + reason + "; retrying with backoff";
    if (again)
        line += " (failed " + std::to_string(unlogged_failures_ + 1) +
                " times the same way since the last line)";
    last_reason_ = reason;
    last_logged_ = now;
    unlogged_failures_ = 0;
    if (on_log) on_log(line);
}

void redis_shard::schedule_health_check() {
    if (stopped_) return;
    health_timer_.expires_after(settings_.health_check);
    health_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        health_check();
        schedule_health_check();
    });
}

void redis_shard::health_check() {
    // Only a shard that is up: one being connected is timed by its connect deadline. One token
    // at a time: a late one is caught by its deadline.
    if (!up() || !health_awaited_.empty()) return;
    const auto gen = generation_;
    health_awaited_ = std::to_string(++health_tokens_);
    // The reply only says how many received it; a PUBLISH that gets none within the timeout ends
    // the command connection (its watchdog).
    if (!cmd_->command({"PUBLISH", keepalive_, health_awaited_}, [](auto) {})) {
        return connection_lost("cannot send the health check");
    }
    health_deadline_.expires_after(settings_.connect_timeout);
    health_deadline_.async_wait([this, gen, token = health_awaited_](boost::system::error_code ec) {
        if (ec || gen != generation_ || health_awaited_ != token) return;
        connection_lost(
            "the pub/sub connection did not answer the health check within the timeout");
    });
}

void redis_shard::health_token(const std::string& token) {
    if (health_awaited_.empty() || token != health_awaited_) return;
    health_awaited_.clear();
    health_deadline_.cancel();
}

void redis_shard::eval(std::string_view script, const std::string& sha,
                       std::vector<std::string> args,
                       std::function<void(std::optional<redis_reply>)> done) {
    auto command = std::make_shared<std::vector<std::string>>();
    command->reserve(args.size() + 2);
    command->push_back("EVALSHA");
    command->push_back(sha);
    for (auto& a : args)
        command->push_back(std::move(a));
    auto fallback = [this, script, command, done, gen = generation_](std::optional<redis_reply> r) {
        // The script cache was flushed under us (SCRIPT FLUSH, a failover): send its text.
        if (r && r->is_error() && r->str.rfind("NOSCRIPT", 0) == 0 && gen == generation_ && cmd_) {
            (*command)[0] = "EVAL";
            (*command)[1] = std::string(script);
            if (cmd_->command(*command, done)) return;
            r.reset();
        }
        done(std::move(r));
    };
    if (!up() || !cmd_->command(*command, fallback))
        boost::asio::post(io_, [done] { done(std::nullopt); });
}

void redis_shard::publish(
    const std::vector<const hub::outgoing_event*>& events,
    std::function<void(std::optional<std::vector<protocol::event_id>>)> done) {
    std::vector<std::string> args;
    args.reserve(4 + events.size() * 8);
    args.push_back(std::to_string(events.size() * 4));
    std::vector<std::string> pubsub;
    pubsub.reserve(events.size());
    for (const auto* e : events) {
        auto k = keys_of(settings_.prefix, e->channel);
        args.push_back(std::move(k.epoch));
        args.push_back(std::move(k.seq));
        args.push_back(std::move(k.stream));
        args.push_back(std::move(k.bytes));
        pubsub.push_back(std::move(k.pubsub));
    }
    args.push_back(std::to_string(settings_.history_max_events));
    args.push_back(std::to_string(settings_.history_max_bytes));
    args.push_back(std::to_string(settings_.history_ttl.count()));
    for (std::size_t i = 0; i < events.size(); ++i) {
        args.push_back(std::move(pubsub[i]));
        args.push_back(events[i]->head);
        args.push_back(events[i]->tail);
        args.push_back(format_epoch(protocol::random_epoch()));
    }
    const auto n = events.size();
    eval(publish_script, publish_sha_, std::move(args), [n, done](std::optional<redis_reply> r) {
        // An answer we cannot read is reported as "not stored": a publisher may then store an
        // event twice, but is never told it was stored when it was not.
        if (!r || !r->is_array() || r->elements.size() != 2 * n) return done(std::nullopt);
        std::vector<protocol::event_id> ids;
        ids.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto epoch = parse_epoch(r->elements[2 * i].str);
            const auto& seq = r->elements[2 * i + 1];
            if (!epoch || seq.type != redis_reply::kind::integer || seq.integer <= 0)
                return done(std::nullopt);
            ids.push_back({*epoch, static_cast<std::uint64_t>(seq.integer)});
        }
        done(std::move(ids));
    });
}

void redis_shard::history(const std::string& channel, std::optional<protocol::event_id> since,
                          std::function<void(hub::history_result)> done) {
    const auto k = keys_of(settings_.prefix, channel);
    std::vector<std::string> args{"3",
                                  k.epoch,
                                  k.seq,
                                  k.stream,
                                  since ? format_epoch(since->epoch) : std::string(),
                                  std::to_string(since ? since->sequence : 0),
                                  std::to_string(settings_.history_ttl.count())};
    eval(history_script, history_sha_, std::move(args), [done](std::optional<redis_reply> r) {
        hub::history_result out;
        if (!r || !r->is_array() || r->elements.size() != 4) return done(out);
        const auto& e = r->elements;
        const auto& entries = e[3];
        if (e[1].type != redis_reply::kind::integer || e[2].type != redis_reply::kind::integer ||
            !entries.is_array())
            return done(out);
        out.available = true;
        if (!e[0].str.empty()) {
            const auto epoch = parse_epoch(e[0].str);
            if (!epoch) return done(hub::history_result{});
            out.position = {*epoch, static_cast<std::uint64_t>(e[1].integer)};
        }
        out.complete = e[2].integer == 1;
        out.events.reserve(entries.elements.size());
        for (const auto& entry : entries.elements) {
            auto parsed = parse_stream_entry(entry);
            if (!parsed) {
                out.complete = false;  // an entry we did not write: do not vouch for the rest
                continue;
            }
            out.events.push_back(
                {out.position.epoch, parsed->sequence, std::move(parsed->envelope)});
        }
        done(std::move(out));
    });
}

bool redis_shard::subscribe(const std::string& channel) {
    return up() && sub_->subscribe(settings_.prefix + ":" + channel);
}

bool redis_shard::unsubscribe(const std::string& channel) {
    return up() && sub_->unsubscribe(settings_.prefix + ":" + channel);
}

}  // namespace kata::redis
