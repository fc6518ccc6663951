#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace kata::protocol::deflate {

// The server's side of the permessage-deflate negotiation (RFC 7692 5 and 7.1). Every offer in
// the Sec-WebSocket-Extensions header(s) is checked in order; the first valid one is accepted.
// An offer with an unknown, duplicate or ill-formed parameter is declined (7.1: "MUST decline"),
// and so is one that asks for a server window under 32 KiB (libdeflate always uses 32 KiB); the
// next offer may still be accepted.
struct negotiated {
    bool accepted = false;
    // The response's extension, without the header name: permessage-deflate with
    // server_no_context_takeover and client_no_context_takeover, so every message in both
    // directions stands alone.
    std::string response;
};

// `header_values`: each Sec-WebSocket-Extensions header of the request.
negotiated negotiate(const std::vector<std::string_view>& header_values);

// The client's side: whether a response accepts what a client offering
// client_offer() may take (permessage-deflate, each parameter at most once and known, no window
// under 15 bits for the server). `ok` false: the client must fail the connection (RFC 7692 5).
struct client_answer {
    bool ok = false;
    bool deflate = false;  // the server accepted permessage-deflate
};
client_answer check_response(std::string_view header_value);

// What our clients offer: permessage-deflate with no context takeover either way.
inline constexpr std::string_view client_offer =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

}  // namespace kata::protocol::deflate
