#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/auth/async_directory.hpp"
#include "core/auth/credentials.hpp"
#include "core/auth/principal.hpp"
#include "core/server/ops/server_state.hpp"

namespace kata::server {

class worker;

// Fresh answers for open connections, handed to each worker that holds them. Only `found` and
// `not_found` travel: a backend that did not answer changes nothing.
struct revalidation_batch {
    // "k:" or "s:" + the credential's SHA-256 hex -> who holds it now (or no one).
    std::unordered_map<std::string, auth::lookup_result<auth::principal>> principals;
    // "spec:ID" / "agent:ID" -> its owning team now (or no owner).
    std::unordered_map<std::string, auth::lookup_result<std::string>> owners;
    bool empty() const { return principals.empty() && owners.empty(); }
};

// The key a connection's credential is tracked under, written into `out` (reused by callers
// that look up many).
const std::string& credential_key(auth::credential_kind kind, std::string_view sha256_hex,
                                  std::string& out);

// Re-validates live connections against an async directory (directory.http.revalidate_ms): it
// knows every credential and every spec/agent channel held by an open connection, with how many
// connections of each worker hold it, and asks the directory about each once per interval, at a
// random point of it (so 10,000 connections of 100 keys cost 100 lookups per interval, spread
// out). Answers are batched and posted to the workers holding them, which apply them on their own
// threads. Its own thread keeps the schedule; the lookups themselves never block it.
class revalidator : public std::enable_shared_from_this<revalidator> {
  public:
    using clock = std::chrono::steady_clock;

    revalidator(server_state& state, std::chrono::milliseconds interval,
                std::vector<worker*> workers);
    ~revalidator();
    revalidator(const revalidator&) = delete;
    revalidator& operator=(const revalidator&) = delete;

    void start();
    // Before the workers stop: nothing is posted to them afterwards, and late answers are dropped.
    void stop();

    // Worker threads: a connection of worker `w` opened / ended.
    void track_credential(unsigned w, auth::credential_kind kind, std::string_view sha256_hex,
                          std::string_view who);
    void untrack_credential(unsigned w, auth::credential_kind kind, std::string_view sha256_hex);
    // Worker threads: a subscription to `channel` began / ended (team channels are ignored: the
    // credential's answer decides them).
    void track_channel(unsigned w, std::string_view channel);
    void untrack_channel(unsigned w, std::string_view channel);

  private:
    struct entry {
        std::vector<std::uint32_t> holders;  // connections per worker
        std::uint64_t total = 0;
        clock::time_point due;
        bool in_flight = false;
        std::string who;  // key id or user, for the log; empty for channels
        auth::credential_kind kind = auth::credential_kind::api_key;
    };
    using table = std::unordered_map<std::string, entry>;
    struct due_lookup {
        std::string key;
        auth::credential_kind kind;
    };

    void add(table& t, const std::string& key, unsigned w, std::string_view who,
             auth::credential_kind kind);
    void remove(table& t, const std::string& key, unsigned w);
    void run();
    // Lock held: marks what is due now as in flight and lists it in `out`.
    void collect_due(table& t, clock::time_point now, std::vector<due_lookup>& out);
    void dispatch(const std::vector<due_lookup>& credentials,
                  const std::vector<due_lookup>& channels);
    // Answer threads: keeps a fresh answer for the next batch, or counts a failure.
    void on_answer(table& t, const std::string& key, bool answered, bool credential);
    void post_batch();
    void log_failures(clock::time_point now);

    server_state& state_;
    const std::chrono::milliseconds interval_;
    const std::chrono::milliseconds wake_;
    const std::vector<worker*> workers_;
    std::thread thread_;

    std::mutex mutex_;  // guards everything below
    std::condition_variable wake_up_;
    bool stopping_ = false;
    table credentials_;
    table channels_;
    std::mt19937_64 random_;
    std::shared_ptr<revalidation_batch> batch_ = std::make_shared<revalidation_batch>();
    std::vector<bool> batch_workers_;  // which workers hold something in batch_
    std::uint64_t failures_ = 0;       // since the last failure line
    std::string failed_who_;           // the last credential that failed, for that line
    clock::time_point last_failure_log_{};
};

}  // namespace kata::server
