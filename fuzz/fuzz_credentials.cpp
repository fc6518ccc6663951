// The credential headers of an upgrade request (Authorization, X-API-Key, Cookie, Origin) are
// read before anyone is authenticated. The input is split on '\n' into those header values, the
// first byte saying which are present. Properties: parse_bearer and find_cookie return only
// what they found in the header and give it back when it is written in canonical form;
// extract_credential follows the precedence of docs/protocol.md; decide_connect never admits anyone
// but the known subscribe key or the known session from a listed Origin, and every refusal
// carries its code and reason.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/connect_auth.hpp"
#include "core/auth/credentials.hpp"
#include "core/auth/digest.hpp"
#include "core/auth/file_directory.hpp"
#include "fuzz_check.hpp"

namespace {

namespace auth = kata::auth;

constexpr std::string_view subscribe_key = "k-subscribe";
constexpr std::string_view publish_key = "k-publish-only";
constexpr std::string_view session_token = "s-token";
const std::vector<std::string> allowed_origins{"https://app.example.com"};

const auth::file_directory& test_directory() {
    static const auth::file_directory dir = [] {
        auth::directory_config cfg;
        cfg.api_keys.push_back({"sub", auth::sha256_hex(subscribe_key), "t1",
                                static_cast<std::uint8_t>(auth::scope_subscribe)});
        cfg.api_keys.push_back({"pub", auth::sha256_hex(publish_key), "t1",
                                static_cast<std::uint8_t>(auth::scope_publish)});
        cfg.sessions.push_back({auth::sha256_hex(session_token), "u1", "t1"});
        return auth::file_directory(std::move(cfg));
    }();
    return dir;
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

void check_bearer(std::string_view header) {
    const auto token = auth::parse_bearer(header);
    if (!token) return;
    FUZZ_CHECK(!token->empty());
    for (const char c : *token)
        FUZZ_CHECK(!is_space(c));
    FUZZ_CHECK(contains(header, *token));
    FUZZ_CHECK(auth::parse_bearer("Bearer " + *token) == token);
    FUZZ_CHECK(auth::parse_bearer("bEaReR\t" + *token + " ") == token);
}

void check_cookie(std::string_view header, std::string_view name) {
    const auto value = auth::find_cookie(header, name);
    if (name.empty()) FUZZ_CHECK(!value.has_value());
    if (!value) return;
    FUZZ_CHECK(!contains(*value, ";"));
    FUZZ_CHECK(contains(header, *value));
    // A name that survives the header's own syntax must find its value again in canonical form.
    const bool plain_name = !contains(name, "=") && !contains(name, ";") && trim(name) == name;
    if (plain_name) {
        const std::string canonical = std::string{name} + "=\"" + *value + "\"";
        FUZZ_CHECK(auth::find_cookie(canonical, name) == value);
    }
}

void check_credential(const auth::auth_headers& headers, std::string_view cookie_name) {
    const auto cred = auth::extract_credential(headers, cookie_name);
    if (headers.authorization || headers.x_api_key) {
        FUZZ_CHECK(cred.kind == auth::credential_kind::api_key);
        std::optional<std::string> bearer;
        if (headers.authorization) bearer = auth::parse_bearer(*headers.authorization);
        if (bearer) {
            FUZZ_CHECK(cred.secret == *bearer);
        } else if (headers.x_api_key) {
            FUZZ_CHECK(cred.secret == trim(*headers.x_api_key));
        } else {
            FUZZ_CHECK(cred.secret.empty());
        }
        return;
    }
    const auto cookie =
        headers.cookie ? auth::find_cookie(*headers.cookie, cookie_name) : std::nullopt;
    if (cookie && !cookie->empty()) {
        FUZZ_CHECK(cred.kind == auth::credential_kind::session && cred.secret == *cookie);
    } else {
        FUZZ_CHECK(cred.kind == auth::credential_kind::none && cred.secret.empty());
    }
}

void check_decision(const auth::auth_headers& headers,
                    const std::optional<std::string_view>& origin, std::string_view cookie_name) {
    const auth::connect_policy policy{cookie_name, &allowed_origins};
    const auto d = auth::decide_connect(headers, origin, policy, test_directory());
    const auto cred = auth::extract_credential(headers, cookie_name);
    using outcome = auth::connect_decision::outcome;
    switch (d.result) {
        case outcome::accept:
            FUZZ_CHECK(d.who.has(auth::scope_subscribe));
            if (cred.kind == auth::credential_kind::api_key) {
                FUZZ_CHECK(cred.secret == subscribe_key);
            } else {
                FUZZ_CHECK(cred.kind == auth::credential_kind::session);
                FUZZ_CHECK(cred.secret == session_token);
                FUZZ_CHECK(origin && *origin == allowed_origins.front());
            }
            break;
        case outcome::reject_http:
            FUZZ_CHECK(d.http_status == 403 && !d.reason.empty());
            FUZZ_CHECK(cred.kind == auth::credential_kind::session);
            break;
        case outcome::close:
            FUZZ_CHECK(d.close_code == 4401 || d.close_code == 4403 || d.close_code == 4503);
            FUZZ_CHECK(!d.reason.empty() && d.reason.size() < 123);
            if (cred.kind == auth::credential_kind::none) FUZZ_CHECK(d.close_code == 4401);
            if (d.close_code == 4403) FUZZ_CHECK(cred.secret == publish_key);
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned present = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    // authorization, x-api-key, cookie, cookie name, origin
    std::array<std::string_view, 5> fields{};
    for (auto& field : fields) {
        const auto nl = rest.find('\n');
        field = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    auth::auth_headers headers;
    if (present & 1u) headers.authorization = fields[0];
    if (present & 2u) headers.x_api_key = fields[1];
    if (present & 4u) headers.cookie = fields[2];
    const std::string_view cookie_name = (present & 8u) ? fields[3] : "kata_session";
    std::optional<std::string_view> origin;
    if (present & 16u) origin = fields[4];

    check_bearer(fields[0]);
    check_cookie(fields[2], cookie_name);
    check_credential(headers, cookie_name);
    check_decision(headers, origin, cookie_name);
    return 0;
}
