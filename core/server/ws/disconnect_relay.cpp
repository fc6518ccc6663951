#include "core/server/ws/disconnect_relay.hpp"

#include <nlohmann/json.hpp>

#include "core/auth/random_token.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {
namespace {

constexpr std::chrono::milliseconds open_retry{250};

// Counts the matches of one disconnect over the workers; the last worker's pass to let go of it
// reports (a worker whose queue is dropped at shutdown lets go too, so `done` always runs).
struct tally {
    std::atomic<std::size_t> matched{0};
    std::function<void(std::size_t)> done;
    ~tally() {
        try {
            done(matched.load());
        } catch (...) {
        }
    }
};

void log_applied(const auth::disconnect_target& t, std::size_t matched, bool remote) {
    // A user, key id or team is an id, safe to log; a digest is not shown.
    const std::string value = t.by == auth::disconnect_target::field::sha256 ? "" : t.value;
    log(log_level::info, "disconnect applied",
        {{"by", auth::field_name(t.by)},
         {"value", value},
         {"channel", t.channel.value_or("")},
         {"matched", static_cast<std::uint64_t>(matched)},
         {"from", remote ? "another node" : "this node"}});
}

}  // namespace

disconnect_relay::disconnect_relay(server_state& state,
                                   const std::vector<std::unique_ptr<worker>>& workers,
                                   hub::broker* broker)
    : state_(state),
      workers_(workers),
      broker_(broker),
      origin_(auth::random_token()),
      retry_(workers.front()->context()) {}

disconnect_relay::~disconnect_relay() {
    stopped_.store(true);
}

void disconnect_relay::start() {
    if (broker_ != nullptr) open_channel();
}

void disconnect_relay::open_channel() {
    if (stopped_.load()) return;
    broker_->open(std::string(channel), [this](std::optional<hub::stream_position> position) {
        // The broker keeps an open channel across its outages (and refills it); only an open that
        // never succeeded is asked again.
        if (position) following_.store(true);
        if (!position && !stopped_.load()) retry_open();
    });
}

void disconnect_relay::retry_open() {
    workers_.front()->mailbox()->post([this] {
        if (stopped_.load()) return;
        retry_.expires_after(open_retry);
        retry_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) open_channel();
        });
    });
}

void disconnect_relay::disconnect(const auth::disconnect_target& target,
                                  std::function<void(disconnect_outcome)> done) {
    if (broker_ == nullptr) {
        return apply(target, [done = std::move(done), target](std::size_t n) {
            log_applied(target, n, false);
            done({n, true});
        });
    }
    hub::outgoing_event event;
    event.channel = std::string(channel);
    event.head = R"({"origin":")" + origin_ + R"(","target":)" + auth::disconnect_json(target) +
                 R"(,"eventId":")";
    event.tail = R"("})";
    std::vector<hub::outgoing_event> events;
    events.push_back(std::move(event));
    broker_->publish(std::move(events),
                     [this, target, done = std::move(done)](hub::publish_result r) mutable {
                         // Applied here even when the broker did not take it: failing closed on
                         // this node costs nothing, and the caller is told to retry for the others.
                         const bool stored = r.all_stored();
                         apply(target, [done = std::move(done), target, stored](std::size_t n) {
                             log_applied(target, n, false);
                             done({n, stored});
                         });
                     });
}

void disconnect_relay::apply(const auth::disconnect_target& target,
                             std::function<void(std::size_t)> done) {
    // First, so that a connection closed below that comes straight back is checked afresh.
    state_.directory()->forget(target);
    auto count = std::make_shared<tally>();
    count->done = std::move(done);
    for (const auto& w : workers_) {
        w->for_each_connection([count, target](ws_connection& c) {
            if (c.revoke(target)) count->matched.fetch_add(1, std::memory_order_relaxed);
        });
    }
}

void disconnect_relay::on_remote_event(std::string_view ch, const hub::remote_event& e) {
    if (ch != channel) return state_.hub.on_remote_event(ch, e);
    const auto doc = nlohmann::json::parse(e.envelope, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("target")) return;
    if (doc.value("origin", "") == origin_) return;  // applied when it was sent
    auto parsed = auth::parse_disconnect_request(doc["target"].dump());
    const auto* target = std::get_if<auth::disconnect_target>(&parsed);
    if (target == nullptr) return;  // not one of ours: ignored
    apply(*target, [t = *target](std::size_t n) { log_applied(t, n, true); });
}

void disconnect_relay::on_remote_gap(std::string_view ch) {
    if (ch != channel) return state_.hub.on_remote_gap(ch);
    // The stream no longer held every disconnect sent while this node was cut off (more than
    // history.size of them, or older than history.ttl): they cannot be applied here.
    log(log_level::warn,
        "disconnects sent while this node was cut off from Redis are no longer stored and were "
        "not applied here; send them again");
}

}  // namespace kata::server
