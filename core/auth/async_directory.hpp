#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "core/auth/directory.hpp"

namespace kata::auth {

// Which kind of id an ownership lookup resolves to a team.
enum class owner_kind { spec, agent };

template <class T>
using lookup_callback = std::function<void(lookup_result<T>)>;

// A directory that answers later: a backend reached over the network. Pure (no Asio) so the
// authorizer and the tests can use it without the I/O layer.
//
// Callbacks run exactly once, either inline (before the call returns, on the caller's thread: a
// cache hit) or later on a thread of the implementation's own; callers that live on one thread
// post the answer back to it. Every call can fail: `unavailable` means deny.
class async_directory {
  public:
    virtual ~async_directory() = default;
    virtual void authenticate_digest(credential_kind kind, std::string_view sha256_hex,
                                     lookup_callback<principal> done) const = 0;
    virtual void team_of(owner_kind kind, std::string_view id,
                         lookup_callback<std::string> done) const = 0;
    // Re-validation of open connections: the same answers, but never from a cache (a cached
    // `found` would hide a revocation); identical lookups in flight still share one request.
    // A directory without a cache answers as above.
    virtual void revalidate_digest(credential_kind kind, std::string_view sha256_hex,
                                   lookup_callback<principal> done) const {
        authenticate_digest(kind, sha256_hex, std::move(done));
    }
    virtual void revalidate_owner(owner_kind kind, std::string_view id,
                                  lookup_callback<std::string> done) const {
        team_of(kind, id, std::move(done));
    }
    // Fails every lookup still waiting, and every later one at once: the server calls it while
    // its threads can still take the answers, so no callback outlives them.
    virtual void shutdown() const {}
};

// Makes a synchronous directory usable where an async_directory is expected: answers inline.
class sync_directory_adapter final : public async_directory {
  public:
    explicit sync_directory_adapter(const directory& dir) : dir_(dir) {}
    void authenticate_digest(credential_kind kind, std::string_view sha256_hex,
                             lookup_callback<principal> done) const override;
    void team_of(owner_kind kind, std::string_view id,
                 lookup_callback<std::string> done) const override;

  private:
    const directory& dir_;
};

}  // namespace kata::auth
