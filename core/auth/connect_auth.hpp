#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/credentials.hpp"
#include "core/auth/directory.hpp"
#include "core/auth/expiry.hpp"

namespace kata::auth {

// What the server does with an upgrade request, decided before any WebSocket exists.
struct connect_decision {
    enum class outcome {
        accept,       // upgrade; the connection belongs to `who`
        reject_http,  // answer `http_status` with no upgrade (Origin check on the cookie path)
        close,        // upgrade, then close at once with `close_code` / `reason`
    };
    outcome result = outcome::close;
    principal who;
    // On accept: which credential it was, by digest, so a reload can re-check the connection.
    credential_kind kind = credential_kind::none;
    std::string digest;
    unsigned http_status = 0;
    std::uint16_t close_code = 0;
    std::string reason;
};

struct connect_policy {
    std::string_view session_cookie;
    const std::vector<std::string>* allowed_origins = nullptr;
};

// The steps of "Auth on connect" that need no directory: which credential, and the Origin check.
// `decided` is set when they settle it (403, no credential, an empty key); otherwise the directory
// must be asked who holds the credential with digest `digest`.
struct connect_precheck {
    std::optional<connect_decision> decided;
    credential_kind kind = credential_kind::none;
    std::string digest;
};
connect_precheck precheck_connect(const auth_headers& headers,
                                  const std::optional<std::string_view>& origin,
                                  const connect_policy& policy);

// The rest, once the directory answered for the precheck's credential: 4503, 4401, 4403 or
// accept. A credential expired at `now_ms` is refused like an unknown one.
connect_decision finish_connect(const connect_precheck& pre, lookup_result<principal> found,
                                std::int64_t now_ms = unix_now_ms());

// docs/protocol.md "Auth on connect", steps 1 to 4, with `origin` the Origin header (if any),
// asking a synchronous directory.
connect_decision decide_connect(const auth_headers& headers,
                                const std::optional<std::string_view>& origin,
                                const connect_policy& policy, const directory& dir);

}  // namespace kata::auth
