#include "core/auth/connect_auth.hpp"

#include <algorithm>

#include "core/auth/digest.hpp"

namespace kata::auth {
namespace {

connect_decision close_with(std::uint16_t code, std::string reason) {
    connect_decision d;
    d.result = connect_decision::outcome::close;
    d.close_code = code;
    d.reason = std::move(reason);
    return d;
}

bool origin_allowed(const std::optional<std::string_view>& origin, const connect_policy& policy) {
    if (!origin || origin->empty() || *origin == "null" || !policy.allowed_origins) return false;
    const auto& list = *policy.allowed_origins;
    // Byte-for-byte: no case folding or default-port games that an attacker could exploit.
    return std::find(list.begin(), list.end(), *origin) != list.end();
}

}  // namespace

connect_decision decide_connect(const auth_headers& headers,
                                const std::optional<std::string_view>& origin,
                                const connect_policy& policy, const directory& dir) {
    const credential cred = extract_credential(headers, policy.session_cookie);
    if (cred.kind == credential_kind::session && !origin_allowed(origin, policy)) {
        connect_decision d;
        d.result = connect_decision::outcome::reject_http;
        d.http_status = 403;
        d.reason = "origin not allowed";
        return d;
    }
    if (cred.kind == credential_kind::none) return close_with(4401, "unauthorized");

    lookup_result<principal> found;
    try {
        found = cred.kind == credential_kind::api_key ? dir.authenticate_api_key(cred.secret)
                                                      : dir.authenticate_session(cred.secret);
    } catch (...) {
        found.status = lookup_status::unavailable;  // a backend that throws has failed: deny
    }
    connect_precheck pre;
    pre.kind = cred.kind;
    pre.digest = sha256_hex(cred.secret);
    return finish_connect(pre, std::move(found));
}

connect_precheck precheck_connect(const auth_headers& headers,
                                  const std::optional<std::string_view>& origin,
                                  const connect_policy& policy) {
    const credential cred = extract_credential(headers, policy.session_cookie);
    connect_precheck pre;
    pre.kind = cred.kind;
    if (cred.kind == credential_kind::session && !origin_allowed(origin, policy)) {
        connect_decision d;
        d.result = connect_decision::outcome::reject_http;
        d.http_status = 403;
        d.reason = "origin not allowed";
        pre.decided = std::move(d);
        return pre;
    }
    // No credential, or an empty one (a malformed Authorization): nothing a backend could know,
    // so it is not asked.
    if (cred.kind == credential_kind::none || cred.secret.empty()) {
        pre.decided = close_with(4401, "unauthorized");
        return pre;
    }
    pre.digest = sha256_hex(cred.secret);
    return pre;
}

connect_decision finish_connect(const connect_precheck& pre, lookup_result<principal> found,
                                std::int64_t now_ms) {
    if (pre.decided) return *pre.decided;
    found = drop_expired(std::move(found), now_ms);
    switch (found.status) {
        case lookup_status::unavailable:
            return close_with(4503, "auth unavailable");
        case lookup_status::not_found:
            return close_with(4401, "unauthorized");
        case lookup_status::found:
            break;
    }
    if (!found.value.has(scope_subscribe)) return close_with(4403, "forbidden");
    connect_decision d;
    d.result = connect_decision::outcome::accept;
    d.who = std::move(found.value);
    d.kind = pre.kind;
    d.digest = pre.digest;
    return d;
}

}  // namespace kata::auth
