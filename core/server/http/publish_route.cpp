#include "core/server/http/publish_route.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "core/auth/authorizer.hpp"
#include "core/auth/expiry.hpp"
#include "core/protocol/publish_request.hpp"
#include "core/server/http/http_responses.hpp"
#include "core/server/http/request_headers.hpp"

namespace kata::server {

namespace {

struct publisher {
    std::shared_ptr<const auth::directory> dir;
    auth::principal who;
};

// The API key of a publish request, checked from its headers alone: a publisher, or the answer
// that refuses it.
std::variant<publisher, http_response> authenticate_publisher(const http_request& req,
                                                              server_state& state) {
    auto headers = auth_headers_of(req);
    headers.cookie.reset();  // publishing is for services: API keys only
    const auto cred = auth::extract_credential(headers, state.config.session_cookie);
    if (cred.kind != auth::credential_kind::api_key) {
        state.counters.auth_failures.add(auth_failure::unauthorized);
        return error_response(req, http::status::unauthorized, "unauthorized",
                              "an API key is required (Authorization: Bearer or X-API-Key)");
    }
    auto dir = state.directory();
    auth::lookup_result<auth::principal> found;
    try {
        found = dir->authenticate_api_key(cred.secret);
    } catch (...) {
        found.status = auth::lookup_status::unavailable;
    }
    found = auth::drop_expired(std::move(found), auth::unix_now_ms());
    if (found.status == auth::lookup_status::unavailable) {
        state.counters.auth_failures.add(auth_failure::auth_unavailable);
        return error_response(req, http::status::service_unavailable, "auth_unavailable",
                              "the auth backend is unavailable; try again");
    }
    if (found.status == auth::lookup_status::not_found) {
        state.counters.auth_failures.add(auth_failure::unauthorized);
        return error_response(req, http::status::unauthorized, "unauthorized", "unknown API key");
    }
    if (!found.value.has(auth::scope_publish) && !found.value.has(auth::scope_publish_any)) {
        state.counters.auth_failures.add(auth_failure::missing_scope);
        return error_response(req, http::status::forbidden, "forbidden",
                              "this key lacks the publish scope");
    }
    return publisher{std::move(dir), std::move(found.value)};
}

}  // namespace

std::optional<http_response> refuse_publisher(const http_request& head, server_state& state) {
    auto checked = authenticate_publisher(head, state);
    if (auto* res = std::get_if<http_response>(&checked)) return std::move(*res);
    return std::nullopt;
}

http_response publish_authorized(const http_request& req, server_state& state,
                                 const protocol::publish_request& request,
                                 std::chrono::steady_clock::time_point started) {
    // Past capacity the answer is "not now", before anything is stored: latency stays bounded
    // and nothing accepted is ever dropped.
    if (state.lag.overloaded()) {
        return error_response(req, http::status::service_unavailable, "overloaded",
                              "the gateway's fanout is behind; retry later");
    }
    std::vector<std::string> ids;
    ids.reserve(request.items.size());
    for (const auto& item : request.items) {
        ids.push_back(state.hub.publish(item.channel, item.type, item.payload_json));
    }
    state.counters.events_published.fetch_add(request.items.size());
    state.counters.publish_latency.observe(std::chrono::steady_clock::now() - started);
    return published_response(req, request.batch, ids);
}

http_response published_response(const http_request& req, bool batch,
                                 const std::vector<std::string>& ids) {
    nlohmann::json body;
    if (batch) {
        body["eventIds"] = ids;
    } else {
        body["eventId"] = ids.at(0);
    }
    return json_response(req, http::status::ok, body.dump());
}

std::variant<protocol::publish_request, http_response> check_publish(const http_request& req,
                                                                     server_state& state) {
    auto checked = authenticate_publisher(req, state);
    if (auto* res = std::get_if<http_response>(&checked)) return std::move(*res);
    const auto& dir = std::get<publisher>(checked).dir;
    const auto& who = std::get<publisher>(checked).who;

    auto parsed = protocol::parse_publish_request(req.body());
    if (const auto* err = std::get_if<protocol::publish_error>(&parsed)) {
        return error_response(req, http::status::bad_request, "invalid_request", err->message);
    }
    auto& request = std::get<protocol::publish_request>(parsed);
    for (std::size_t i = 0; i < request.items.size(); ++i) {
        const auto& item = request.items[i];
        // Only an error names the event: a success builds no string per event.
        const auto where = [&] {
            return request.batch ? "events[" + std::to_string(i) + "]: " : std::string();
        };
        if (item.payload_json.size() > max_event_payload_bytes) {
            return error_response(req, http::status::payload_too_large, "payload_too_large",
                                  where() + "payload is larger than 262144 bytes");
        }
        auth::decision verdict = auth::decision::unavailable;
        try {
            verdict = auth::authorize_publish(*dir, who, item.channel);
        } catch (...) {
        }
        if (verdict == auth::decision::unavailable) {
            return error_response(req, http::status::service_unavailable,
                                  "authorization_unavailable",
                                  where() + "the directory is unavailable; nothing was published");
        }
        if (verdict == auth::decision::forbidden) {
            return error_response(req, http::status::forbidden, "forbidden",
                                  where() + "not allowed to publish to " + item.channel.str());
        }
    }

    return std::move(request);
}

http_response handle_publish(const http_request& req, server_state& state) {
    const auto started = std::chrono::steady_clock::now();
    auto checked = check_publish(req, state);
    if (auto* res = std::get_if<http_response>(&checked)) return std::move(*res);
    return publish_authorized(req, state, std::get<protocol::publish_request>(checked), started);
}

}  // namespace kata::server
