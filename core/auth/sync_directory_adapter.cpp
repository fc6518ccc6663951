#include "core/auth/async_directory.hpp"

namespace kata::auth {

void sync_directory_adapter::authenticate_digest(credential_kind kind, std::string_view sha256_hex,
                                                 lookup_callback<principal> done) const {
    lookup_result<principal> r;
    try {
        r = dir_.authenticate_digest(kind, sha256_hex);
    } catch (...) {
        r = {};  // a backend that throws has failed: deny
    }
    done(std::move(r));
}

void sync_directory_adapter::team_of(owner_kind kind, std::string_view id,
                                     lookup_callback<std::string> done) const {
    lookup_result<std::string> r;
    try {
        r = kind == owner_kind::spec ? dir_.team_of_spec(id) : dir_.team_of_agent(id);
    } catch (...) {
        r = {};
    }
    done(std::move(r));
}

}  // namespace kata::auth
