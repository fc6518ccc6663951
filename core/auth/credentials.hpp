#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kata::auth {

enum class credential_kind { none, api_key, session };

struct credential {
    credential_kind kind = credential_kind::none;
    std::string secret;  // the raw key or token: compare via digest, never log
};

// The request headers that carry credentials (nullopt: header absent).
struct auth_headers {
    std::optional<std::string_view> authorization;
    std::optional<std::string_view> x_api_key;
    std::optional<std::string_view> cookie;
};

// docs/protocol.md "Auth on connect": if Authorization or X-API-Key is present the API-key path is
// used and cookies are ignored (a malformed Authorization yields an api_key with an empty
// secret, which no key matches). Otherwise the named session cookie, if any.
credential extract_credential(const auth_headers& headers, std::string_view cookie_name);

// `Bearer <token>` (scheme case-insensitive, surrounding spaces trimmed); nullopt otherwise.
std::optional<std::string> parse_bearer(std::string_view authorization);

// The value of cookie `name` in a Cookie header (`a=1; b=2`), nullopt when absent.
std::optional<std::string> find_cookie(std::string_view cookie_header, std::string_view name);

}  // namespace kata::auth
