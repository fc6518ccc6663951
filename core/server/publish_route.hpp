#pragma once
#include <chrono>
#include <optional>

#include "core/protocol/publish_request.hpp"
#include "core/server/beast_types.hpp"
#include "core/server/server_state.hpp"

namespace kata::server {

class worker;

// POST /v1/publish (PROTOCOL.md "Publish API"). A batch is validated and authorized whole before
// any of it is published: a 4xx means nothing was sent.
http_response handle_publish(const http_request& req, server_state& state);

// The part of the publish checks that needs only the headers (API key and its scope): the
// refusal to send at once, before the body is read (Expect: 100-continue), or nullopt.
std::optional<http_response> refuse_publisher(const http_request& head, server_state& state);

// The same through a directory that answers later (the HTTP one), awaited on `w`'s thread. A
// failed lookup answers `503` with code `authorization_unavailable`.
asio::awaitable<http_response> handle_publish_async(const http_request& req, worker& w,
                                                    std::shared_ptr<const auth::directory> dir);

// Publishes a request whose every event was validated and authorized, and answers with the
// event ids (or 503 `overloaded` past capacity, before anything is stored).
http_response publish_authorized(const http_request& req, server_state& state,
                                 const protocol::publish_request& request,
                                 std::chrono::steady_clock::time_point started);

// Largest publish body accepted; larger ones answer 413.
inline constexpr std::size_t max_publish_body_bytes = 8 * 1024 * 1024;
// Largest payload of one event; a bigger one answers 413 (it could not reach most subscribers).
inline constexpr std::size_t max_event_payload_bytes = 256 * 1024;

}  // namespace kata::server
