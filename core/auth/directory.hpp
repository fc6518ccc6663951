#pragma once
#include <string>
#include <string_view>

#include "core/auth/credentials.hpp"
#include "core/auth/disconnect_request.hpp"
#include "core/auth/principal.hpp"

namespace kata::auth {

class async_directory;

enum class lookup_status {
    found,
    not_found,    // unknown credential or id
    unavailable,  // the backend failed or timed out: callers deny (fail closed)
};

template <class T>
struct lookup_result {
    lookup_status status = lookup_status::unavailable;
    T value{};
};

// The auth backend: who holds a credential, and which team owns a spec or an agent.
// Every call can fail; a failure means deny. Implementations must be safe to call from several
// threads at once.
class directory {
  public:
    virtual ~directory() = default;
    virtual lookup_result<principal> authenticate_api_key(std::string_view key) const = 0;
    virtual lookup_result<principal> authenticate_session(std::string_view token) const = 0;
    virtual lookup_result<std::string> team_of_spec(std::string_view spec_id) const = 0;
    virtual lookup_result<std::string> team_of_agent(std::string_view agent_id) const = 0;

    // Who holds the credential with this SHA-256 digest (lowercase hex): lets the server re-check
    // an open connection after a reload without ever keeping its secret. A backend that cannot
    // answer by digest says `unavailable`, and open connections are left as they are.
    virtual lookup_result<principal> authenticate_digest(credential_kind kind,
                                                         std::string_view sha256_hex) const {
        (void)kind;
        (void)sha256_hex;
        return {};
    }

    // A backend that answers only asynchronously (over the network) returns itself here; the
    // server then uses it instead of the calls above, which such a backend answers `unavailable`.
    // nullptr (the default): the calls above never block, so the server calls them inline.
    virtual const async_directory* async() const { return nullptr; }

    // A disconnect named these credentials: a directory that caches answers forgets theirs, so
    // the next connect or subscribe with one of them is checked afresh. Any thread.
    virtual void forget(const disconnect_target& target) const { (void)target; }
};

}  // namespace kata::auth
