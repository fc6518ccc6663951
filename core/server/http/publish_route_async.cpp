// POST /v1/publish through an async directory: the key and every spec/agent owner are looked up
// (cache first, then the backend) while the worker serves its other connections. Each distinct
// channel is looked up once per request.
#include <map>

#include <nlohmann/json.hpp>

#include "core/auth/async_directory.hpp"
#include "core/auth/authorizer.hpp"
#include "core/auth/digest.hpp"
#include "core/auth/expiry.hpp"
#include "core/protocol/publish_request.hpp"
#include "core/server/http/http_responses.hpp"
#include "core/server/http/publish_route.hpp"
#include "core/server/http/request_headers.hpp"
#include "core/server/ws/await_lookup.hpp"

namespace kata::server {
namespace {

http_response unavailable(const http_request& req, const std::string& what) {
    return error_response(req, http::status::service_unavailable, "authorization_unavailable",
                          what + "the directory is unavailable; nothing was published");
}

}  // namespace

asio::awaitable<http_response> handle_publish_async(const http_request& req, worker& w,
                                                    std::shared_ptr<const auth::directory> dir) {
    const auto started = std::chrono::steady_clock::now();
    auto& state = w.state();
    if (dir->async() == nullptr) {
        auto checked = check_publish(req, state);
        if (auto* res = std::get_if<http_response>(&checked)) co_return std::move(*res);
        co_return co_await publish_checked(req, w, std::get<protocol::publish_request>(checked),
                                           started);
    }
    const auth::async_directory& a = *dir->async();
    auto headers = auth_headers_of(req);
    headers.cookie.reset();  // publishing is for services: API keys only
    const auto cred = auth::extract_credential(headers, state.config.session_cookie);
    if (cred.kind != auth::credential_kind::api_key) {
        co_return error_response(req, http::status::unauthorized, "unauthorized",
                                 "an API key is required (Authorization: Bearer or X-API-Key)");
    }
    auth::lookup_result<auth::principal> found{auth::lookup_status::not_found, {}};
    if (!cred.secret.empty()) {
        const std::string digest = auth::sha256_hex(cred.secret);
        found = co_await await_lookup<auth::principal>(
            w, [&](auth::lookup_callback<auth::principal> done) {
                a.authenticate_digest(auth::credential_kind::api_key, digest, std::move(done));
            });
    }
    found = auth::drop_expired(std::move(found), auth::unix_now_ms());
    if (found.status == auth::lookup_status::unavailable) co_return unavailable(req, "");
    if (found.status == auth::lookup_status::not_found) {
        co_return error_response(req, http::status::unauthorized, "unauthorized",
                                 "unknown API key");
    }
    const auto& who = found.value;
    if (!who.has(auth::scope_publish) && !who.has(auth::scope_publish_any)) {
        co_return error_response(req, http::status::forbidden, "forbidden",
                                 "this key lacks the publish scope");
    }

    auto parsed = protocol::parse_publish_request(req.body());
    if (const auto* err = std::get_if<protocol::publish_error>(&parsed)) {
        co_return error_response(req, http::status::bad_request, "invalid_request", err->message);
    }
    auto& request = std::get<protocol::publish_request>(parsed);
    std::map<std::string, auth::decision> verdicts;  // per distinct channel
    for (std::size_t i = 0; i < request.items.size(); ++i) {
        const auto& item = request.items[i];
        // Only an error names the event: a success builds no string per event.
        const auto where = [&] {
            return request.batch ? "events[" + std::to_string(i) + "]: " : std::string();
        };
        if (item.payload_json.size() > max_event_payload_bytes) {
            co_return error_response(req, http::status::payload_too_large, "payload_too_large",
                                     where() + "payload is larger than 262144 bytes");
        }
        const std::string key = item.channel.str();
        auto it = verdicts.find(key);
        if (it == verdicts.end()) {
            auth::decision verdict = auth::decision::forbidden;
            if (who.has(auth::scope_publish_any)) {
                verdict = auth::decision::allowed;
            } else if (item.channel.family == protocol::channel_family::team) {
                verdict = !who.team.empty() && item.channel.id == who.team
                              ? auth::decision::allowed
                              : auth::decision::forbidden;
            } else {
                const auto kind = item.channel.family == protocol::channel_family::spec
                                      ? auth::owner_kind::spec
                                      : auth::owner_kind::agent;
                const auto owner = co_await await_lookup<std::string>(
                    w, [&](auth::lookup_callback<std::string> done) {
                        a.team_of(kind, item.channel.id, std::move(done));
                    });
                verdict = auth::authorize_owner(owner, who);
            }
            it = verdicts.emplace(key, verdict).first;
        }
        if (it->second == auth::decision::unavailable) co_return unavailable(req, where());
        if (it->second == auth::decision::forbidden) {
            co_return error_response(req, http::status::forbidden, "forbidden",
                                     where() + "not allowed to publish to " + key);
        }
    }

    co_return co_await publish_checked(req, w, request, started);
}

}  // namespace kata::server
