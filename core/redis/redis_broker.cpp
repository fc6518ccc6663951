#include "core/redis/redis_broker.hpp"

#include <stdexcept>

#include <boost/asio/post.hpp>

#include "core/redis/broker_message.hpp"
#include "core/redis/shard.hpp"

namespace kata::redis {

redis_broker::redis_broker(redis_broker_settings settings) : settings_(std::move(settings)) {
    if (settings_.urls.empty()) throw std::invalid_argument("redis broker: no URL");
    shards_.reserve(settings_.urls.size());
    for (const auto& text : settings_.urls) {
        auto parsed = parse_redis_url(text);
        if (auto* error = std::get_if<std::string>(&parsed))
            throw std::invalid_argument(*error + " (" + text + ")");
        shards_.push_back(
            {std::make_unique<redis_shard>(io_, std::get<redis_url>(parsed), settings_), {}});
    }
}

redis_broker::~redis_broker() {
    stop();
}

void redis_broker::start() {
    std::lock_guard lock(running_mutex_);
    if (running_.exchange(true)) return;
    work_.emplace(io_.get_executor());
    for (auto& s : shards_) {
        s.shard->on_up = [this, &s] { on_shard_up(s); };
        s.shard->on_down = [this, &s] { on_shard_down(s); };
        s.shard->on_push = [this, &s](const redis_reply& r) { on_push(s, r); };
        s.shard->on_log = log_;
    }
    boost::asio::post(io_, [this] {
        for (auto& s : shards_)
            s.shard->start();
    });
    thread_ = std::thread([this] { io_.run(); });
}

void redis_broker::stop() {
    std::unique_lock lock(running_mutex_);
    if (!running_.exchange(false)) return;
    // Every call that saw the broker running has posted by now (under the lock): this handler
    // runs after all of them, and the thread returns once their answers have run too.
    boost::asio::post(io_, [this] {
        // Closing the connections answers every command in flight as failed (posted); the
        // thread then runs out of work and returns.
        std::vector<open_handler> waiting;
        for (auto& s : shards_) {
            s.shard->stop();
            for (auto& [name, c] : s.channels)
                for (auto& w : c.waiting)
                    waiting.push_back(std::move(w));
            s.channels.clear();
        }
        for (auto& w : waiting)
            w(std::nullopt);
        work_.reset();
    });
    lock.unlock();
    if (thread_.joinable()) thread_.join();
}

std::unique_lock<std::mutex> redis_broker::lock_if_running() {
    std::unique_lock lock(running_mutex_);
    if (!running_) {
        lock.unlock();
    } else if (pause_for_test_) {
        pause_for_test_();
    }
    return lock;
}

bool redis_broker::ready() const {
    for (const auto& s : shards_)
        if (!s.shard->up()) return false;
    return running_.load();
}

redis_broker::shard_state& redis_broker::shard_for(const std::string& channel) {
    return shards_[shard_of(channel, shards_.size())];
}

void redis_broker::publish(std::vector<hub::outgoing_event> events,
                           std::function<void(hub::publish_result)> done) {
    auto lock = lock_if_running();
    if (!lock) {
        hub::publish_result failed;
        failed.ids.resize(events.size());
        return done(std::move(failed));
    }
    boost::asio::post(io_, [this, events = std::move(events), done = std::move(done)]() mutable {
        struct batch {
            hub::publish_result result;
            std::size_t pending = 0;
            std::function<void(hub::publish_result)> done;
        };
        auto b = std::make_shared<batch>();
        b->result.ids.resize(events.size());
        b->done = std::move(done);
        // One script call per shard touched, all sent before any answer is awaited.
        std::vector<std::vector<std::size_t>> per_shard(shards_.size());
        for (std::size_t i = 0; i < events.size(); ++i)
            per_shard[shard_of(events[i].channel, shards_.size())].push_back(i);
        for (const auto& indices : per_shard)
            b->pending += indices.empty() ? 0 : 1;
        if (b->pending == 0) return b->done(std::move(b->result));
        for (std::size_t s = 0; s < shards_.size(); ++s) {
            if (per_shard[s].empty()) continue;
            std::vector<const hub::outgoing_event*> batch_events;
            for (const auto i : per_shard[s])
                batch_events.push_back(&events[i]);
            shards_[s].shard->publish(batch_events,
                                      [b, indices = std::move(per_shard[s])](auto ids) {
                                          if (ids)
                                              for (std::size_t j = 0; j < indices.size(); ++j)
                                                  b->result.ids[indices[j]] = (*ids)[j];
                                          if (--b->pending == 0) b->done(std::move(b->result));
                                      });
        }
    });
}

void redis_broker::history(const std::string& channel, std::optional<protocol::event_id> since,
                           std::function<void(hub::history_result)> done) {
    auto lock = lock_if_running();
    if (!lock) return done(hub::history_result{});
    boost::asio::post(io_, [this, channel, since, done = std::move(done)] {
        shard_for(channel).shard->history(channel, since, done);
    });
}

void redis_broker::open(const std::string& channel, open_handler done) {
    auto lock = lock_if_running();
    if (!lock) return done(std::nullopt);
    boost::asio::post(io_, [this, channel, done = std::move(done)] {
        auto& s = shard_for(channel);
        // A live channel whose shard is down stays open (it is refilled once the shard is
        // back), but this open cannot be confirmed.
        if (!s.shard->up()) return done(std::nullopt);
        auto& c = s.channels[channel];
        if (c.wanted && c.feed && c.feed->started()) return done(c.feed->delivered());
        if (!c.wanted) {
            c.wanted = true;
            c.feed.emplace();
        }
        c.waiting.push_back(done);
        advance(s, channel);
    });
}

void redis_broker::close(const std::string& channel) {
    auto lock = lock_if_running();
    if (!lock) return;
    boost::asio::post(io_, [this, channel] {
        auto& s = shard_for(channel);
        const auto it = s.channels.find(channel);
        if (it == s.channels.end()) return;
        auto& c = it->second;
        c.wanted = false;
        c.feed.reset();
        ++c.generation;
        auto waiting = std::move(c.waiting);
        c.waiting.clear();
        advance(s, channel);
        // Superseded by this close: the channel is not open.
        for (auto& w : waiting)
            w(std::nullopt);
    });
}

// Moves one channel's Redis subscription toward what was asked last. One SUBSCRIBE or
// UNSUBSCRIBE is in flight per channel at most: hiredis 0.14 drops the callback of a channel
// whose UNSUBSCRIBE confirmation arrives after a newer SUBSCRIBE was sent.
void redis_broker::advance(shard_state& s, const std::string& channel) {
    const auto it = s.channels.find(channel);
    if (it == s.channels.end()) return;
    auto& c = it->second;
    if (c.wanted && c.sub == sub_state::none) {
        if (s.shard->subscribe(channel)) c.sub = sub_state::subscribing;
        return;  // else the shard is going down: on_shard_down answers
    }
    if (!c.wanted && c.sub == sub_state::subscribed) {
        c.sub = s.shard->unsubscribe(channel) ? sub_state::unsubscribing : sub_state::none;
    }
    if (c.wanted && c.sub == sub_state::subscribed && c.feed) {
        if (!c.feed->started()) {
            if (!c.reading_position) read_position(s, channel, c);
        } else if (c.feed->fill_due()) {
            fill(s, channel, c);
        }
    }
    if (!c.wanted && c.sub == sub_state::none && !c.reading_position && c.waiting.empty())
        s.channels.erase(it);
}

void redis_broker::read_position(shard_state& s, const std::string& channel, channel_entry& c) {
    c.reading_position = true;
    s.shard->history(channel, std::nullopt,
                     [this, &s, channel, gen = c.generation](hub::history_result r) {
                         const auto it = s.channels.find(channel);
                         if (it == s.channels.end()) return;
                         auto& c = it->second;
                         c.reading_position = false;
                         if (gen != c.generation || !c.wanted || !c.feed)
                             return advance(s, channel);
                         auto waiting = std::move(c.waiting);
                         c.waiting.clear();
                         if (!r.available) {
                             // The open fails as a whole: the channel is not open.
                             c.wanted = false;
                             c.feed.reset();
                             ++c.generation;
                             advance(s, channel);
                             for (auto& w : waiting)
                                 w(std::nullopt);
                             return;
                         }
                         channel_feed::events out;
                         c.feed->start(r.position, out);
                         for (auto& w : waiting)
                             w(r.position);
                         deliver(channel, out);
                         advance(s, channel);
                     });
}

void redis_broker::fill(shard_state& s, const std::string& channel, channel_entry& c) {
    const auto since = c.feed->begin_fill();
    s.shard->history(channel, since,
                     [this, &s, channel, gen = c.generation](hub::history_result r) {
                         const auto it = s.channels.find(channel);
                         if (it == s.channels.end()) return;
                         auto& c = it->second;
                         if (gen != c.generation || !c.feed) return;
                         channel_feed::events out;
                         c.feed->on_fill(r, out);
                         deliver(channel, out);
                         if (r.available) advance(s, channel);  // else retried after the reconnect
                     });
}

void redis_broker::deliver(const std::string& channel, channel_feed::events& out) {
    if (!sink_) return;
    for (const auto& e : out) {
        if (channel_feed::is_gap(e)) {
            sink_->on_remote_gap(channel);
        } else {
            sink_->on_remote_event(channel, e);
        }
    }
}

void redis_broker::on_push(shard_state& s, const redis_reply& r) {
    if (!r.is_array() || r.elements.size() < 3) return;
    const std::string& kind = r.elements[0].str;
    const std::string_view name = r.elements[1].str;
    const auto prefix_len = settings_.prefix.size() + 1;
    if (name.size() <= prefix_len || name.substr(0, settings_.prefix.size()) != settings_.prefix ||
        name[settings_.prefix.size()] != ':')
        return;
    const std::string channel(name.substr(prefix_len));
    const auto it = s.channels.find(channel);
    if (it == s.channels.end()) return;
    auto& c = it->second;
    if (kind == "subscribe") {
        if (c.sub == sub_state::subscribing) c.sub = sub_state::subscribed;
        return advance(s, channel);
    }
    if (kind == "unsubscribe") {
        if (c.sub == sub_state::unsubscribing) c.sub = sub_state::none;
        return advance(s, channel);
    }
    if (kind != "message" || !c.wanted || !c.feed || c.sub != sub_state::subscribed) return;
    auto message = parse_broker_message(r.elements[2].str);
    if (!message) return;  // not written by our script: ignored
    channel_feed::events out;
    c.feed->on_message(std::move(*message), out);
    deliver(channel, out);
    if (c.feed->fill_due()) fill(s, channel, c);
}

void redis_broker::on_shard_up(shard_state& s) {
    std::vector<std::string> names;
    for (const auto& [name, c] : s.channels)
        names.push_back(name);
    for (const auto& name : names)
        advance(s, name);
}

void redis_broker::on_shard_down(shard_state& s) {
    std::vector<open_handler> failed;
    for (auto it = s.channels.begin(); it != s.channels.end();) {
        auto& c = it->second;
        c.sub = sub_state::none;
        c.reading_position = false;
        if (c.feed && c.feed->started()) {
            c.feed->connection_lost();  // resubscribed and filled once the shard is back
        } else {
            for (auto& w : c.waiting)
                failed.push_back(std::move(w));
            c.waiting.clear();
            c.wanted = false;
            c.feed.reset();
            ++c.generation;
        }
        it = c.wanted ? std::next(it) : s.channels.erase(it);
    }
    for (auto& w : failed)
        w(std::nullopt);
}

}  // namespace kata::redis
