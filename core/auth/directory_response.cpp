#include "core/auth/directory_response.hpp"

#include <nlohmann/json.hpp>

#include "core/auth/expiry.hpp"

namespace kata::auth {
namespace {

using json = nlohmann::json;

// Ids and teams end up in logs and in channel checks: bound them and keep them printable so a
// confused backend cannot inject log lines.
constexpr std::size_t max_field_bytes = 256;

bool good_field(const json& obj, const char* key, std::string& out) {
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return false;
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty() || s.size() > max_field_bytes) return false;
    for (const char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    }
    out = s;
    return true;
}

json parse_object(std::string_view body) {
    // Depth-limited by nlohmann's recursion only; bodies are small and come from our own backend,
    // but the fuzzer still feeds it anything.
    auto doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) return json{};
    return doc;
}

}  // namespace

std::string authenticate_request_body(credential_kind kind, std::string_view sha256_hex) {
    json body;
    body["credential"] = kind == credential_kind::session ? "session" : "api_key";
    body["sha256"] = std::string(sha256_hex);
    return body.dump();
}

std::string owner_request_body(owner_kind kind, std::string_view id) {
    json body;
    body["kind"] = kind == owner_kind::spec ? "spec" : "agent";
    body["id"] = std::string(id);
    return body.dump();
}

lookup_result<principal> parse_authenticate_response(credential_kind kind, unsigned status,
                                                     std::string_view body) {
    if (status == 404) return {lookup_status::not_found, {}};
    if (status != 200) return {};
    const json doc = parse_object(body);
    if (!doc.is_object()) return {};
    principal who;
    if (!good_field(doc, "id", who.id) || !good_field(doc, "team", who.team)) return {};
    if (const auto at = doc.find("expires_at"); at != doc.end()) {
        // An expiry the gateway cannot read could only fail open: the answer is unusable.
        const auto ms =
            at->is_string() ? parse_expires_at(at->get_ref<const std::string&>()) : std::nullopt;
        if (!ms) return {};
        who.expires_at_ms = *ms;
    }
    const auto scopes = doc.find("scopes");
    if (scopes == doc.end()) {
        if (kind != credential_kind::session) return {};  // a key's scopes must be explicit
        who.scopes = scope_subscribe;
        return {lookup_status::found, std::move(who)};
    }
    if (!scopes->is_array()) return {};
    for (const auto& s : *scopes) {
        if (!s.is_string()) return {};
        const auto& name = s.get_ref<const std::string&>();
        if (name == "subscribe") who.scopes |= scope_subscribe;
        if (name == "publish") who.scopes |= scope_publish;
        if (name == "publish_any") who.scopes |= scope_publish_any;
        if (name == "admin") who.scopes |= scope_admin;
    }
    return {lookup_status::found, std::move(who)};
}

lookup_result<std::string> parse_owner_response(unsigned status, std::string_view body) {
    if (status == 404) return {lookup_status::not_found, {}};
    if (status != 200) return {};
    const json doc = parse_object(body);
    std::string team;
    if (!doc.is_object() || !good_field(doc, "team", team)) return {};
    return {lookup_status::found, std::move(team)};
}

}  // namespace kata::auth
