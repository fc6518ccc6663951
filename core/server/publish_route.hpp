#pragma once
#include <optional>

#include "core/server/beast_types.hpp"
#include "core/server/server_state.hpp"

namespace kata::server {

// POST /v1/publish (PROTOCOL.md "Publish API"). A batch is validated and authorized whole before
// any of it is published: a 4xx means nothing was sent.
http_response handle_publish(const http_request& req, server_state& state);

// The part of the publish checks that needs only the headers (API key and its scope): the
// refusal to send at once, before the body is read (Expect: 100-continue), or nullopt.
std::optional<http_response> refuse_publisher(const http_request& head, server_state& state);

// Largest publish body accepted; larger ones answer 413.
inline constexpr std::size_t max_publish_body_bytes = 8 * 1024 * 1024;
// Largest payload of one event; a bigger one answers 413 (it could not reach most subscribers).
inline constexpr std::size_t max_event_payload_bytes = 256 * 1024;

}  // namespace kata::server
