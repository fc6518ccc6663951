// The HTTP directory's answers come from the application's backend: outside bytes that decide
// who a connection is. The first input byte picks the status (200, 404 or another) and the
// credential kind; the rest is the body.
// Properties: only 200 can find and only 404 can say not_found; a found principal has a
// non-empty, bounded id and team without control characters, and scopes within the known bits;
// an owner found has a non-empty, bounded team.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/auth/directory_response.hpp"
#include "fuzz_check.hpp"

namespace {

namespace auth = kata::auth;

bool clean(const std::string& s) {
    if (s.empty() || s.size() > 256) return false;
    for (const char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned pick = data[0];
    const unsigned status = (pick & 3) == 0 ? 200 : (pick & 3) == 1 ? 404 : 500 + (pick >> 4);
    const auto kind = (pick & 4) ? auth::credential_kind::session : auth::credential_kind::api_key;
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

    const auto who = auth::parse_authenticate_response(kind, status, body);
    if (who.status == auth::lookup_status::found) {
        FUZZ_CHECK(status == 200);
        FUZZ_CHECK(clean(who.value.id) && clean(who.value.team));
        FUZZ_CHECK((who.value.scopes & ~7u) == 0);
    }
    if (who.status == auth::lookup_status::not_found) FUZZ_CHECK(status == 404);

    const auto owner = auth::parse_owner_response(status, body);
    if (owner.status == auth::lookup_status::found) {
        FUZZ_CHECK(status == 200 && clean(owner.value));
    }
    if (owner.status == auth::lookup_status::not_found) FUZZ_CHECK(status == 404);
    return 0;
}
