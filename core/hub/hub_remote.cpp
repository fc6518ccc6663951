// The hub with a remote broker (Redis): publishes are stored there, events come back through
// on_remote_event() for the channels this node holds, and a subscribe first opens its channel in
// the broker. The replay → live hand-over compares what was fetched with what this node has
// delivered on the channel, under the channel's lock, so nothing is missed and nothing is twice.
#include <chrono>
#include <future>
#include <stdexcept>

#include "core/hub/hub.hpp"
#include "core/protocol/control.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/timestamp.hpp"
#include "core/protocol/ws_frame_writer.hpp"

namespace kata::hub {
namespace {

// Past this many fetches the node is far behind its broker: the resume is answered without a
// replay (recovered: false) rather than held.
constexpr unsigned max_fetches = 100;

}  // namespace

void hub::publish_remote(const std::vector<publish_item>& items,
                         std::function<void(publish_result)> done) {
    std::vector<outgoing_event> events;
    events.reserve(items.size());
    const std::string timestamp = protocol::format_timestamp(std::chrono::system_clock::now());
    protocol::envelope env;
    std::string json;
    for (const auto& item : items) {
        env.type = item.type;
        env.channel = item.channel->str();
        env.timestamp = timestamp;
        env.event_id.clear();
        env.payload_json = item.payload_json;
        protocol::serialize_envelope_into(env, json);
        // The id is the broker's to give: the envelope is split where its (empty) value goes. Every
        // string before it is escaped, so this spelling occurs there only as the field itself.
        constexpr std::string_view marker = R"(,"eventId":"")";
        const auto at = json.find(marker) + marker.size() - 1;
        events.push_back({*env.channel, json.substr(0, at), json.substr(at)});
    }
    broker_->publish(std::move(events), std::move(done));
}

std::string hub::publish_blocking(const protocol::channel_name& channel, std::string_view type,
                                  std::string_view payload_json) {
    std::promise<publish_result> answer;
    publish_remote({{&channel, type, payload_json}},
                   [&answer](publish_result r) { answer.set_value(std::move(r)); });
    const auto r = answer.get_future().get();
    if (r.ids.size() != 1 || !r.ids[0]) {
        throw std::runtime_error("the broker is unreachable: the event was not stored");
    }
    return r.ids[0]->str();
}

void hub::prepare(const protocol::channel_name& channel_name,
                  const std::optional<std::string>& since, std::function<void(prepared)> done) {
    prepared p;
    p.since_given = since.has_value();
    if (since) p.since = protocol::parse_event_id(*since);
    auto live = lock_live(channel_name.str(), true);
    auto& lock = live.lock;
    p.ch = live.ch;
    auto& ch = *p.ch;
    ++ch.preparing_;
    if (ch.remote_ == channel::remote_state::open) {
        lock.unlock();
        p.available = true;
        if (p.since) return refetch(std::move(p), std::move(done));
        return done(std::move(p));
    }
    // Every subscribe waiting for the open goes on the same way once the broker answered.
    const bool first = ch.remote_ == channel::remote_state::closed;
    auto ch_ptr = p.ch;
    ch.open_waiters_.push_back(
        [this, p = std::move(p), done = std::move(done)](bool opened) mutable {
            p.available = opened;
            if (opened && p.since) return refetch(std::move(p), std::move(done));
            done(std::move(p));
        });
    if (!first) return;
    ch.remote_ = channel::remote_state::opening;
    lock.unlock();
    open_remote(ch_ptr);
}

void hub::open_remote(const std::shared_ptr<channel>& ch) {
    broker_->open(ch->name(), [ch](std::optional<stream_position> at) {
        std::vector<std::function<void(bool)>> waiters;
        {
            std::lock_guard lock(ch->mutex_);
            if (ch->remote_ == channel::remote_state::opening) {
                if (at) {
                    ch->remote_ = channel::remote_state::open;
                    ch->delivered_ = *at;
                } else {
                    ch->remote_ = channel::remote_state::closed;
                }
            }
            waiters.swap(ch->open_waiters_);
        }
        const bool opened = at.has_value();
        for (auto& w : waiters)
            w(opened);
    });
}

void hub::refetch(prepared p, std::function<void(prepared)> done) {
    const std::string name = p.ch->name();
    const auto since = p.since;
    broker_->history(name, since,
                     [p = std::move(p), done = std::move(done)](history_result r) mutable {
                         p.available = r.available;
                         p.fetched = std::move(r);
                         done(std::move(p));
                     });
}

std::optional<attachment> hub::attach_prepared(prepared& p, subscriber* sub) {
    attachment out;
    out.ch = p.ch;
    auto& ch = *p.ch;
    std::lock_guard lock(ch.mutex_);
    if (p.since_given) out.recovered = false;
    if (p.since && p.fetched) {
        const auto& f = *p.fetched;
        const auto here = ch.delivered_;
        // The broker's stream is ahead of what this node delivered, or the client saw events
        // this node has not delivered yet: both settle within a round trip or two.
        const bool behind =
            f.position.epoch != here.epoch || f.position.last_sequence < here.last_sequence ||
            (p.since->epoch == here.epoch && p.since->sequence > here.last_sequence);
        if (behind && ++p.tries < max_fetches) return std::nullopt;
        if (!behind && f.complete && p.since->epoch == here.epoch) {
            out.recovered = true;
            for (const auto& e : f.events) {
                if (e.sequence > here.last_sequence) break;
                out.replay.push_back(
                    protocol::ws::server_frame(protocol::ws::opcode::text, e.envelope));
            }
        }
    }
    auto& subs = ch.subscribers_;
    if (std::find(subs.begin(), subs.end(), sub) == subs.end()) subs.push_back(sub);
    out.after_sequence = last_sequence();
    --ch.preparing_;
    return out;
}

void hub::abandon(prepared& p) {
    if (!p.ch) return;
    std::lock_guard lock(p.ch->mutex_);
    --p.ch->preparing_;
    close_if_unused(*p.ch);
    p.ch.reset();
}

void hub::close_if_unused(channel& ch) {
    if (!ch.subscribers_.empty() || ch.preparing_ != 0) return;
    if (ch.remote_ != channel::remote_state::open) return;
    ch.remote_ = channel::remote_state::closed;
    broker_->close(ch.name());
}

void hub::on_remote_event(std::string_view channel_name, const remote_event& e) {
    thread_local std::string key;
    key.assign(channel_name);
    const auto ch = find(key);
    if (!ch) return;
    std::lock_guard lock(ch->mutex_);
    if (ch->remote_ != channel::remote_state::open) return;
    ch->delivered_ = {e.epoch, e.sequence};
    const frame f = event_frame(*ch, e.envelope);
    // The local sequence orders the event among this node's attaches (see local_fanout); the
    // id in the envelope is the broker's.
    const std::uint64_t sequence = next_sequence_.fetch_add(1);
    for (subscriber* sub : ch->subscribers_)
        sub->deliver_remote(*ch, sequence, f);
}

void hub::on_remote_gap(std::string_view channel_name) {
    thread_local std::string key;
    key.assign(channel_name);
    const auto ch = find(key);
    if (!ch) return;
    // The answer a resume that could not be recovered gets: every client already reloads its
    // state for the channel on it. It goes through the fanout like an event, so each subscriber
    // holding the channel gets it before any event after the gap, and one attached later not.
    protocol::envelope env;
    env.type = "subscribed";
    env.channel = key;
    env.timestamp = protocol::format_timestamp(std::chrono::system_clock::now());
    env.event_id = next_control_id();
    env.payload_json = protocol::subscription_payload({}, false);
    const frame f =
        protocol::ws::server_frame(protocol::ws::opcode::text, protocol::serialize_envelope(env));
    std::lock_guard lock(ch->mutex_);
    if (ch->remote_ != channel::remote_state::open) return;
    remote_gaps.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t sequence = next_sequence_.fetch_add(1);
    for (subscriber* sub : ch->subscribers_)
        sub->deliver_remote(*ch, sequence, f);
}

}  // namespace kata::hub
