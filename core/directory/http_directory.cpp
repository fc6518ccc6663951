#include "core/directory/http_directory.hpp"

#include "core/auth/directory_response.hpp"
#include "core/directory/backend_pool.hpp"
#include "core/server/ops/log.hpp"

namespace kata::directory {
namespace {

using steady = std::chrono::steady_clock;

// At most one failure line per period: a dead backend under a reconnect storm must not turn
// into a log storm.
constexpr std::chrono::seconds log_period{1};

const char* kind_name(auth::credential_kind kind) {
    return kind == auth::credential_kind::session ? "session" : "api_key";
}

template <class T>
void call_all(std::vector<auth::lookup_callback<T>>& waiters, const auth::lookup_result<T>& r) {
    for (auto& w : waiters)
        w(r);
}

}  // namespace

http_directory::http_directory(auth::http_directory_settings settings)
    : settings_(std::move(settings)),
      principals_({settings_.cache_ttl, settings_.negative_cache_ttl, settings_.cache_size}),
      owners_({settings_.cache_ttl, settings_.negative_cache_ttl, settings_.cache_size}),
      pool_(std::make_unique<backend_pool>(settings_)) {}

http_directory::~http_directory() {
    shutdown();
}

auth::lookup_result<auth::principal> http_directory::authenticate_api_key(std::string_view) const {
    return {};
}
auth::lookup_result<auth::principal> http_directory::authenticate_session(std::string_view) const {
    return {};
}
auth::lookup_result<std::string> http_directory::team_of_spec(std::string_view) const {
    return {};
}
auth::lookup_result<std::string> http_directory::team_of_agent(std::string_view) const {
    return {};
}
auth::lookup_result<auth::principal> http_directory::authenticate_digest(auth::credential_kind,
                                                                         std::string_view) const {
    return {};
}

void http_directory::authenticate_digest(auth::credential_kind kind, std::string_view sha256_hex,
                                         auth::lookup_callback<auth::principal> done) const {
    lookup_principal(kind, sha256_hex, std::move(done), false);
}

void http_directory::revalidate_digest(auth::credential_kind kind, std::string_view sha256_hex,
                                       auth::lookup_callback<auth::principal> done) const {
    lookup_principal(kind, sha256_hex, std::move(done), true);
}

void http_directory::team_of(auth::owner_kind kind, std::string_view id,
                             auth::lookup_callback<std::string> done) const {
    lookup_owner(kind, id, std::move(done), false);
}

void http_directory::revalidate_owner(auth::owner_kind kind, std::string_view id,
                                      auth::lookup_callback<std::string> done) const {
    lookup_owner(kind, id, std::move(done), true);
}

void http_directory::lookup_principal(auth::credential_kind kind, std::string_view sha256_hex,
                                      auth::lookup_callback<auth::principal> done,
                                      bool fresh) const {
    if (shut_.load()) return done({});
    std::string key =
        (kind == auth::credential_kind::session ? "s:" : "k:") + std::string(sha256_hex);
    decltype(principals_)::begin_result begun;
    {
        std::lock_guard lock(mutex_);
        begun = fresh ? principals_.begin_fresh(key, done)
                      : principals_.begin(key, steady::now(), done);
    }
    if (begun.cached) return done(std::move(*begun.cached));
    if (!begun.fetch) return;  // another lookup of this credential is in flight: ride along
    pool_->post("/authenticate", auth::authenticate_request_body(kind, sha256_hex),
                [this, kind, key = std::move(key), gen = begun.generation](backend_pool::reply r) {
                    const auto found =
                        r.ok ? auth::parse_authenticate_response(kind, r.status, r.body)
                             : auth::lookup_result<auth::principal>{};
                    if (found.status == auth::lookup_status::unavailable) {
                        log_failure(std::string("POST /authenticate (") + kind_name(kind) + "): " +
                                    (r.ok ? "HTTP " + std::to_string(r.status) +
                                                " or a body that does not parse"
                                          : r.error));
                    }
                    std::vector<auth::lookup_callback<auth::principal>> waiters;
                    {
                        std::lock_guard lock(mutex_);
                        waiters = principals_.complete(key, found, steady::now(), gen);
                    }
                    call_all(waiters, found);
                });
}

void http_directory::lookup_owner(auth::owner_kind kind, std::string_view id,
                                  auth::lookup_callback<std::string> done, bool fresh) const {
    if (shut_.load()) return done({});
    std::string key = (kind == auth::owner_kind::spec ? "spec:" : "agent:") + std::string(id);
    decltype(owners_)::begin_result begun;
    {
        std::lock_guard lock(mutex_);
        begun = fresh ? owners_.begin_fresh(key, done) : owners_.begin(key, steady::now(), done);
    }
    if (begun.cached) return done(std::move(*begun.cached));
    if (!begun.fetch) return;
    pool_->post("/owner", auth::owner_request_body(kind, id),
                [this, key = std::move(key), gen = begun.generation](backend_pool::reply r) {
                    const auto found = r.ok ? auth::parse_owner_response(r.status, r.body)
                                            : auth::lookup_result<std::string>{};
                    if (found.status == auth::lookup_status::unavailable) {
                        // The id is not a secret, but it is the client's text: not logged.
                        log_failure(std::string("POST /owner: ") +
                                    (r.ok ? "HTTP " + std::to_string(r.status) +
                                                " or a body that does not parse"
                                          : r.error));
                    }
                    std::vector<auth::lookup_callback<std::string>> waiters;
                    {
                        std::lock_guard lock(mutex_);
                        waiters = owners_.complete(key, found, steady::now(), gen);
                    }
                    call_all(waiters, found);
                });
}

void http_directory::shutdown() const {
    if (shut_.exchange(true)) return;
    pool_->stop();  // fails every request; their waiters are answered `unavailable`
    std::vector<auth::lookup_callback<auth::principal>> who;
    std::vector<auth::lookup_callback<std::string>> owners;
    {
        std::lock_guard lock(mutex_);
        who = principals_.take_all_waiters();
        owners = owners_.take_all_waiters();
    }
    call_all(who, auth::lookup_result<auth::principal>{});
    call_all(owners, auth::lookup_result<std::string>{});
}

void http_directory::clear_cache() const {
    std::lock_guard lock(mutex_);
    principals_.clear();
    owners_.clear();
}

void http_directory::forget(const auth::disconnect_target& target) const {
    std::lock_guard lock(mutex_);
    // Keys are "s:<digest>" or "k:<digest>"; not_found answers hold no principal to match.
    principals_.erase_if(
        [&](const std::string& key, const auth::lookup_result<auth::principal>& r) {
            if (key.size() < 2) return false;
            const auto kind =
                key[0] == 's' ? auth::credential_kind::session : auth::credential_kind::api_key;
            const std::string_view digest = std::string_view(key).substr(2);
            if (target.by == auth::disconnect_target::field::sha256) return digest == target.value;
            return r.status == auth::lookup_status::found &&
                   auth::disconnect_matches(target, r.value, kind, digest);
        });
}

std::size_t http_directory::lookups_waiting() const {
    std::lock_guard lock(mutex_);
    return principals_.waiting() + owners_.waiting();
}

void http_directory::log_failure(std::string_view what) const {
    std::uint64_t skipped = 0;
    {
        std::lock_guard lock(log_mutex_);
        const auto now = steady::now();
        if (last_log_ != steady::time_point{} && now - last_log_ < log_period) {
            ++suppressed_;
            return;
        }
        last_log_ = now;
        skipped = suppressed_;
        suppressed_ = 0;
    }
    std::string line = "directory backend " + settings_.url + " failed, failing closed: ";
    line += what;
    if (skipped > 0) line += " (" + std::to_string(skipped) + " similar failures not logged)";
    kata::server::log(kata::server::log_level::warn, line);
}

}  // namespace kata::directory
