#include "core/server/http/disconnect_route.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <nlohmann/json.hpp>

#include "core/auth/async_directory.hpp"
#include "core/auth/digest.hpp"
#include "core/auth/expiry.hpp"
#include "core/server/http/http_responses.hpp"
#include "core/server/http/request_headers.hpp"

namespace kata::server {
namespace {

// Awaits `start(callback)`, whose callback may run on any thread (or inline): the answer goes
// through the mailbox to the coroutine's own executor.
template <class R, class Start>
asio::awaitable<R> await_answer_via(std::shared_ptr<worker_mailbox> mailbox, Start start) {
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
        [&start, &mailbox](auto handler) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            start(std::function<void(R)>([h, mailbox](R r) {
                mailbox->post([h, r = std::move(r)]() mutable {
                    const auto ex = asio::get_associated_executor(*h);
                    asio::dispatch(
                        ex, [h, r = std::move(r)]() mutable { std::move (*h)(std::move(r)); });
                });
            }));
        },
        asio::use_awaitable);
}

asio::awaitable<auth::lookup_result<auth::principal>> authenticate_key(
    const std::string& secret, server_state& state, const std::shared_ptr<worker_mailbox>& mb) {
    auto dir = state.directory();
    auth::lookup_result<auth::principal> found{auth::lookup_status::not_found, {}};
    if (secret.empty()) co_return found;
    if (const auto* a = dir->async()) {
        const std::string digest = auth::sha256_hex(secret);
        found = co_await await_answer_via<auth::lookup_result<auth::principal>>(
            mb, [&](auth::lookup_callback<auth::principal> done) {
                a->authenticate_digest(auth::credential_kind::api_key, digest, std::move(done));
            });
    } else {
        try {
            found = dir->authenticate_api_key(secret);
        } catch (...) {
            found.status = auth::lookup_status::unavailable;
        }
    }
    co_return auth::drop_expired(std::move(found), auth::unix_now_ms());
}

}  // namespace

asio::awaitable<http_response> handle_disconnect(const http_request& req, server_state& state,
                                                 std::shared_ptr<worker_mailbox> mailbox) {
    if (req.method() != http::verb::post) {
        co_return error_response(req, http::status::method_not_allowed, "method_not_allowed",
                                 "use POST");
    }
    auto headers = auth_headers_of(req);
    headers.cookie.reset();  // the server API is for services: API keys only
    const auto cred = auth::extract_credential(headers, state.config.session_cookie);
    if (cred.kind != auth::credential_kind::api_key) {
        state.counters.auth_failures.add(auth_failure::unauthorized);
        co_return error_response(req, http::status::unauthorized, "unauthorized",
                                 "an API key is required (Authorization: Bearer or X-API-Key)");
    }
    const auto found = co_await authenticate_key(cred.secret, state, mailbox);
    if (found.status == auth::lookup_status::unavailable) {
        state.counters.auth_failures.add(auth_failure::auth_unavailable);
        co_return error_response(req, http::status::service_unavailable, "auth_unavailable",
                                 "the auth backend is unavailable; try again");
    }
    if (found.status == auth::lookup_status::not_found) {
        state.counters.auth_failures.add(auth_failure::unauthorized);
        co_return error_response(req, http::status::unauthorized, "unauthorized",
                                 "unknown API key");
    }
    if (!found.value.has(auth::scope_admin)) {
        state.counters.auth_failures.add(auth_failure::missing_scope);
        co_return error_response(req, http::status::forbidden, "forbidden",
                                 "this key lacks the admin scope");
    }
    auto parsed = auth::parse_disconnect_request(req.body());
    if (const auto* err = std::get_if<std::string>(&parsed)) {
        co_return error_response(req, http::status::bad_request, "invalid_request", *err);
    }
    if (state.disconnects == nullptr) {
        co_return error_response(req, http::status::service_unavailable, "unavailable",
                                 "disconnects are not served here");
    }
    const auto& target = std::get<auth::disconnect_target>(parsed);
    const auto outcome = co_await await_answer_via<disconnect_outcome>(
        mailbox, [&](std::function<void(disconnect_outcome)> done) {
            state.disconnects->disconnect(target, std::move(done));
        });
    if (!outcome.shared) {
        co_return error_response(
            req, http::status::service_unavailable, "broker_unavailable",
            "the broker did not store the disconnect: it was applied on this node only (" +
                std::to_string(outcome.matched) + " matched); send it again");
    }
    nlohmann::json body;
    body["matched"] = outcome.matched;
    co_return json_response(req, http::status::ok, body.dump());
}

}  // namespace kata::server
