#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/protocol/publish_request.hpp"
#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/server_state.hpp"

namespace kata::server {

class worker;

// POST /v1/publish (docs/protocol.md "Publish API"). A batch is validated and authorized whole
// before any of it is published: a 4xx means nothing was sent.
http_response handle_publish(const http_request& req, server_state& state);

// The part of the publish checks that needs only the headers (API key and its scope): the
// refusal to send at once, before the body is read (Expect: 100-continue), or nullopt.
std::optional<http_response> refuse_publisher(const http_request& head, server_state& state);

// The same through a directory that answers later (the HTTP one), awaited on `w`'s thread, or
// through a synchronous one when the publish itself is awaited (a remote broker). A failed
// lookup answers `503` with code `authorization_unavailable`.
asio::awaitable<http_response> handle_publish_async(const http_request& req, worker& w,
                                                    std::shared_ptr<const auth::directory> dir);

// The checks of a publish through a synchronous directory: the request to publish, or the
// answer that refuses it.
std::variant<protocol::publish_request, http_response> check_publish(const http_request& req,
                                                                     server_state& state);

// Publishes a request whose every event was validated and authorized, and answers with the
// event ids (or 503 `overloaded` past capacity, before anything is stored).
http_response publish_authorized(const http_request& req, server_state& state,
                                 const protocol::publish_request& request,
                                 std::chrono::steady_clock::time_point started);

// 200 with the ids of a publish (`eventIds` for a batch, else `eventId`).
http_response published_response(const http_request& req, bool batch,
                                 const std::vector<std::string>& ids);

// Publishes through the remote broker when there is one, else as publish_authorized().
asio::awaitable<http_response> publish_checked(const http_request& req, worker& w,
                                               const protocol::publish_request& request,
                                               std::chrono::steady_clock::time_point started);

// The same through a remote broker, awaited on `w`'s thread. When a shard fails the answer is
// 503 `broker_unavailable`, saying per event whether it was stored.
asio::awaitable<http_response> publish_remote(const http_request& req, worker& w,
                                              const protocol::publish_request& request,
                                              std::chrono::steady_clock::time_point started);

// Largest publish body accepted; larger ones answer 413.
inline constexpr std::size_t max_publish_body_bytes = 8 * 1024 * 1024;
// Largest payload of one event; a bigger one answers 413 (it could not reach most subscribers).
inline constexpr std::size_t max_event_payload_bytes = 256 * 1024;

}  // namespace kata::server
