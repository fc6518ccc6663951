#include "core/server/ws/revalidator.hpp"

#include <algorithm>

#include "core/protocol/channel.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {
namespace {

// How often the schedule is looked at: often enough to spread lookups over the interval and to
// hand answers to the workers promptly, never more than a few times a second.
std::chrono::milliseconds wake_period(std::chrono::milliseconds interval) {
    return std::clamp<std::chrono::milliseconds>(interval / 20, std::chrono::milliseconds(10),
                                                 std::chrono::milliseconds(1000));
}

bool is_owned_channel(std::string_view channel) {
    return channel.starts_with("spec:") || channel.starts_with("agent:");
}

}  // namespace

const std::string& credential_key(auth::credential_kind kind, std::string_view sha256_hex,
                                  std::string& out) {
    out.assign(kind == auth::credential_kind::session ? "s:" : "k:").append(sha256_hex);
    return out;
}

revalidator::revalidator(server_state& state, std::chrono::milliseconds interval,
                         std::vector<worker*> workers)
    : state_(state),
      interval_(interval),
      wake_(wake_period(interval)),
      workers_(std::move(workers)),
      random_(std::random_device{}()),
      batch_workers_(workers_.size(), false) {}

revalidator::~revalidator() {
    stop();
}

void revalidator::start() {
    thread_ = std::thread([this] { run(); });
}

void revalidator::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_up_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void revalidator::track_credential(unsigned w, auth::credential_kind kind,
                                   std::string_view sha256_hex, std::string_view who) {
    std::string key;
    credential_key(kind, sha256_hex, key);
    std::lock_guard lock(mutex_);
    add(credentials_, key, w, who, kind);
}

void revalidator::untrack_credential(unsigned w, auth::credential_kind kind,
                                     std::string_view sha256_hex) {
    std::string key;
    credential_key(kind, sha256_hex, key);
    std::lock_guard lock(mutex_);
    remove(credentials_, key, w);
}

void revalidator::track_channel(unsigned w, std::string_view channel) {
    if (!is_owned_channel(channel)) return;
    const std::string key(channel);
    std::lock_guard lock(mutex_);
    add(channels_, key, w, {}, auth::credential_kind::api_key);
}

void revalidator::untrack_channel(unsigned w, std::string_view channel) {
    if (!is_owned_channel(channel)) return;
    const std::string key(channel);
    std::lock_guard lock(mutex_);
    remove(channels_, key, w);
}

void revalidator::add(table& t, const std::string& key, unsigned w, std::string_view who,
                      auth::credential_kind kind) {
    auto [it, fresh] = t.try_emplace(key);
    auto& e = it->second;
    if (fresh) {
        e.holders.assign(workers_.size(), 0);
        e.kind = kind;
        e.who = who;
        // A random point of the first interval: connections opened together (a restart, a
        // reconnect storm) are not all asked about at one instant, interval after interval.
        std::uniform_int_distribution<std::int64_t> jitter(0, interval_.count());
        e.due = clock::now() + std::chrono::milliseconds(jitter(random_));
    }
    if (w < e.holders.size()) ++e.holders[w];
    ++e.total;
}

void revalidator::remove(table& t, const std::string& key, unsigned w) {
    const auto it = t.find(key);
    if (it == t.end()) return;
    auto& e = it->second;
    if (w < e.holders.size() && e.holders[w] > 0) --e.holders[w];
    if (e.total > 0) --e.total;
    if (e.total == 0) t.erase(it);  // an answer still in flight finds no entry and is dropped
}

void revalidator::collect_due(table& t, clock::time_point now, std::vector<due_lookup>& out) {
    for (auto& [key, e] : t) {
        if (e.in_flight || e.due > now) continue;
        e.in_flight = true;
        // Keeps each key's place in the interval, so the lookups stay spread; one that fell
        // behind (a stalled backend) is not asked twice in a row to catch up.
        e.due = std::max(e.due + interval_, now + interval_ / 2);
        out.push_back({key, e.kind});
    }
}

void revalidator::run() {
    std::unique_lock lock(mutex_);
    std::vector<due_lookup> credentials, channels;
    while (!stopping_) {
        wake_up_.wait_for(lock, wake_, [this] { return stopping_; });
        if (stopping_) break;
        const auto now = clock::now();
        credentials.clear();
        channels.clear();
        collect_due(credentials_, now, credentials);
        collect_due(channels_, now, channels);
        lock.unlock();
        // Outside the lock: a directory may answer inline, and the answer takes the lock.
        dispatch(credentials, channels);
        lock.lock();
        post_batch();
        log_failures(now);
    }
}

void revalidator::dispatch(const std::vector<due_lookup>& credentials,
                           const std::vector<due_lookup>& channels) {
    if (credentials.empty() && channels.empty()) return;
    const auto dir = state_.directory();
    const auto* async_dir = dir->async();
    std::weak_ptr<revalidator> weak = weak_from_this();
    for (const auto& c : credentials) {
        bump(state_.counters.revalidation_lookups);
        if (async_dir == nullptr) {  // replaced by a synchronous directory: SIGHUP checks those
            std::lock_guard lock(mutex_);
            if (auto it = credentials_.find(c.key); it != credentials_.end())
                it->second.in_flight = false;
            continue;
        }
        async_dir->revalidate_digest(c.kind, std::string_view(c.key).substr(2),
                                     [weak, key = c.key](auth::lookup_result<auth::principal> r) {
                                         const auto self = weak.lock();
                                         if (!self) return;
                                         std::lock_guard lock(self->mutex_);
                                         const bool answered =
                                             r.status != auth::lookup_status::unavailable;
                                         if (answered) self->batch_->principals[key] = std::move(r);
                                         self->on_answer(self->credentials_, key, answered, true);
                                     });
    }
    for (const auto& c : channels) {
        bump(state_.counters.revalidation_lookups);
        const auto name = protocol::parse_channel(c.key);
        if (async_dir == nullptr || !name) {
            std::lock_guard lock(mutex_);
            if (auto it = channels_.find(c.key); it != channels_.end())
                it->second.in_flight = false;
            continue;
        }
        async_dir->revalidate_owner(
            name->family == protocol::channel_family::spec ? auth::owner_kind::spec
                                                           : auth::owner_kind::agent,
            name->id, [weak, key = c.key](auth::lookup_result<std::string> r) {
                const auto self = weak.lock();
                if (!self) return;
                std::lock_guard lock(self->mutex_);
                const bool answered = r.status != auth::lookup_status::unavailable;
                if (answered) self->batch_->owners[key] = std::move(r);
                self->on_answer(self->channels_, key, answered, false);
            });
    }
}

void revalidator::on_answer(table& t, const std::string& key, bool answered, bool credential) {
    const auto it = t.find(key);
    if (it == t.end()) return;  // no connection holds it any more
    auto& e = it->second;
    e.in_flight = false;
    if (!answered) {
        // The connections keep their last good answer: a backend outage must not log everyone
        // out. Counted here, logged once per interval by the schedule.
        bump(state_.counters.revalidation_failures);
        ++failures_;
        if (credential) failed_who_ = e.who;
        return;
    }
    for (std::size_t w = 0; w < e.holders.size(); ++w)
        if (e.holders[w] > 0) batch_workers_[w] = true;
}

void revalidator::post_batch() {
    if (batch_->empty() || stopping_) return;
    std::shared_ptr<const revalidation_batch> batch = std::move(batch_);
    batch_ = std::make_shared<revalidation_batch>();
    for (std::size_t w = 0; w < workers_.size(); ++w) {
        if (!batch_workers_[w]) continue;
        batch_workers_[w] = false;
        workers_[w]->for_each_connection(
            [batch](ws_connection& c) { c.apply_revalidation(*batch); });
    }
}

void revalidator::log_failures(clock::time_point now) {
    if (failures_ == 0) return;
    if (last_failure_log_ != clock::time_point{} && now - last_failure_log_ < interval_) return;
    last_failure_log_ = now;
    // Key id or user only: the digest identifies the credential, the log never does.
    log(log_level::warn, "directory re-validation failed: open connections keep their last answer",
        {{"failures", failures_}, {"who", failed_who_}});
    failures_ = 0;
    failed_who_.clear();
}

}  // namespace kata::server
