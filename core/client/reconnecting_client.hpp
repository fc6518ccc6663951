#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/client/client_options.hpp"
#include "core/client/subscription_set.hpp"
#include "core/protocol/channel.hpp"
#include "core/protocol/envelope.hpp"

namespace boost::asio {
class io_context;
}

namespace kata::client {

// Before the wait that precedes reconnect attempt `attempt` (0 for the first retry).
struct reconnect_info {
    std::uint32_t attempt = 0;
    std::chrono::milliseconds delay{0};  // how long the client waits before that attempt
    std::uint16_t code = 0;              // why the last connection ended (see disconnect_info)
    std::string reason;
};

// The client stopped for good. `code` is the server's close code; 1000 when close() was called;
// 1006 (abnormal closure) for a transport failure or server_timeout; 4000 + HTTP status when the
// upgrade was refused with a 4xx (so HTTP 403 on a bad Origin reads 4403, as on the wire).
struct disconnect_info {
    std::uint16_t code = 0;
    std::string reason;
};

enum class error_kind {
    server_error,       // an `error` envelope: `code` and `message` are the server's
    malformed_frame,    // a frame that is not a valid envelope; it was skipped
    unsupported_frame,  // a binary frame; it was skipped
};

// Something went wrong that did not end the connection.
struct client_error {
    error_kind kind = error_kind::server_error;
    std::string code;                    // server error code (docs/protocol.md), empty otherwise
    std::string message;                 // human-readable
    std::optional<std::string> channel;  // the channel the error is about, when known
};

// Lifecycle callbacks; any may be empty. States: connecting → connected → (reconnecting →
// connected)* → disconnected. `error` is an event, not a state.
struct client_callbacks {
    std::function<void()> connecting;  // once, when start() begins the first attempt
    std::function<void()> connected;   // the upgrade succeeded (also after each reconnect)
    std::function<void(const reconnect_info&)> reconnecting;
    std::function<void(const disconnect_info&)> disconnected;  // last callback of the client
    std::function<void(const client_error&)> error;
    // The server confirmed a subscription. `recovered` is set when the subscribe carried `since`
    // (a resubscribe after reconnect): false means events may have been missed and the
    // application must reload its state for that channel. The server also sends recovered: false
    // unasked, on a channel already subscribed, when it lost events of it (its broker could not
    // fill a gap): the same resync, before any event after the gap.
    std::function<void(const std::string& channel, std::optional<bool> recovered)> subscribed;
};

// A WebSocket client that stays subscribed across connection loss (docs/protocol.md "Reconnecting
// client behaviour"): full-jitter backoff, resubscribe with `since`, duplicate drop by eventId,
// terminal close codes, dead-connection detection by server_timeout.
//
// Threading: it runs on the io_context given to the constructor, which the caller runs (on one
// or several threads; the client serializes itself on a strand). Every public member is safe to
// call from any thread, including from inside a callback; the calls are posted, so their effect
// is asynchronous. Callbacks and handlers run on a thread running the io_context, one at a time,
// and must not block. After the destructor returns no callback runs; it waits for a callback in
// progress on another thread, so do not destroy the client while holding a lock a callback takes.
class reconnecting_client {
  public:
    // Throws std::invalid_argument for an unusable url or a session without origin.
    reconnecting_client(boost::asio::io_context& ioc, client_options options,
                        client_callbacks callbacks);
    ~reconnecting_client();
    reconnecting_client(const reconnecting_client&) = delete;
    reconnecting_client& operator=(const reconnecting_client&) = delete;

    // Begins connecting. Subscriptions made before start() are sent on the first connection.
    void start();

    // Wants `channel` from now on, on this connection and every later one. Subscribing again
    // replaces the handler.
    void subscribe(const protocol::channel_name& channel, event_handler handler);
    // Stops wanting `channel`; its handler is not called again and its resume position is lost.
    void unsubscribe(const protocol::channel_name& channel);
    // Closes with 1000 and ends in `disconnected`; no further reconnects.
    void close();

  private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace kata::client
