#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "core/auth/async_directory.hpp"
#include "core/auth/coalescing_cache.hpp"
#include "core/auth/http_directory_settings.hpp"

namespace kata::directory {

class backend_pool;

// The directory that asks the application over HTTP (docs/protocol.md "HTTP directory"): answers
// are cached (LRU, TTL, negative TTL), identical lookups in flight share one request, and every
// failure (timeout, refused connection, 5xx, a body that does not parse) is `unavailable`, so
// callers fail closed. Lookups never block: the async interface is the only one that answers;
// the synchronous calls of auth::directory say `unavailable` (a SIGHUP re-check therefore leaves
// open connections alone instead of storming the backend).
class http_directory final : public auth::directory, public auth::async_directory {
  public:
    explicit http_directory(auth::http_directory_settings settings);
    ~http_directory() override;

    const auth::http_directory_settings& settings() const { return settings_; }

    // auth::directory: never blocks, never answers.
    auth::lookup_result<auth::principal> authenticate_api_key(std::string_view) const override;
    auth::lookup_result<auth::principal> authenticate_session(std::string_view) const override;
    auth::lookup_result<std::string> team_of_spec(std::string_view) const override;
    auth::lookup_result<std::string> team_of_agent(std::string_view) const override;
    auth::lookup_result<auth::principal> authenticate_digest(auth::credential_kind,
                                                             std::string_view) const override;
    const auth::async_directory* async() const override { return this; }

    // auth::async_directory
    void authenticate_digest(auth::credential_kind kind, std::string_view sha256_hex,
                             auth::lookup_callback<auth::principal> done) const override;
    void team_of(auth::owner_kind kind, std::string_view id,
                 auth::lookup_callback<std::string> done) const override;
    // Never from the cache; the fresh answer replaces the cached one.
    void revalidate_digest(auth::credential_kind kind, std::string_view sha256_hex,
                           auth::lookup_callback<auth::principal> done) const override;
    void revalidate_owner(auth::owner_kind kind, std::string_view id,
                          auth::lookup_callback<std::string> done) const override;
    void shutdown() const override;

    // SIGHUP: forget every cached answer (revocations take effect at the next lookup).
    void clear_cache() const;
    // A disconnect: forgets the cached answers for the credentials it names.
    void forget(const auth::disconnect_target& target) const override;

    // Callbacks waiting for a backend answer (tests and diagnostics).
    std::size_t lookups_waiting() const;

  private:
    void lookup_principal(auth::credential_kind kind, std::string_view sha256_hex,
                          auth::lookup_callback<auth::principal> done, bool fresh) const;
    void lookup_owner(auth::owner_kind kind, std::string_view id,
                      auth::lookup_callback<std::string> done, bool fresh) const;
    void log_failure(std::string_view what) const;

    auth::http_directory_settings settings_;
    mutable std::mutex mutex_;  // guards both caches
    mutable auth::coalescing_cache<auth::principal> principals_;
    mutable auth::coalescing_cache<std::string> owners_;
    mutable std::atomic<bool> shut_{false};
    mutable std::mutex log_mutex_;
    mutable std::chrono::steady_clock::time_point last_log_{};
    mutable std::uint64_t suppressed_ = 0;
    std::unique_ptr<backend_pool> pool_;  // last: its thread stops before the caches go
};

}  // namespace kata::directory
