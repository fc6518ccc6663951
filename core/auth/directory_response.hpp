#pragma once
#include <string>
#include <string_view>

#include "core/auth/async_directory.hpp"

namespace kata::auth {

// The wire of the HTTP directory (docs/protocol.md "HTTP directory"): request bodies the gateway
// sends and the parsers of the application's answers. Pure, so the parsers are fuzzed
// (fuzz/fuzz_directory_response.cpp).

// `{"credential":"api_key"|"session","sha256":"<hex>"}`: the digest, never the secret.
std::string authenticate_request_body(credential_kind kind, std::string_view sha256_hex);
// `{"kind":"spec"|"agent","id":"..."}`
std::string owner_request_body(owner_kind kind, std::string_view id);

// `200 {"id":..,"team":..,"scopes":[..]}` is found, `404` not_found, anything else (other
// statuses, a body that does not parse, missing or empty fields, a wrong type) unavailable: the
// gateway fails closed. Sessions without `scopes` hold `subscribe` only; API keys must list
// theirs. Unknown scope names are ignored (they grant nothing here). An optional `expires_at`
// (RFC 3339 UTC) is carried on the principal; one that does not parse makes the answer
// unavailable.
lookup_result<principal> parse_authenticate_response(credential_kind kind, unsigned status,
                                                     std::string_view body);

// `200 {"team":"..."}` found, `404` not_found, anything else unavailable.
lookup_result<std::string> parse_owner_response(unsigned status, std::string_view body);

}  // namespace kata::auth
