#include "core/client/reconnecting_client.hpp"

#include <openssl/ssl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/client/client_connection.hpp"
#include "core/client/client_tls.hpp"
#include "core/client/revocation.hpp"
#include "core/client/ws_url.hpp"
#include "core/config/version.hpp"
#include "core/protocol/close_codes.hpp"
#include "core/protocol/command.hpp"
#include "core/protocol/envelope_parser.hpp"

namespace kata::client {
namespace {

namespace http = beast::http;
constexpr auto use_awaitable = asio::use_awaitable;

}  // namespace

struct reconnecting_client::impl : std::enable_shared_from_this<impl> {
    impl(asio::io_context& ioc, client_options opts, client_callbacks cbs, ws_url parsed)
        : strand(asio::make_strand(ioc)),
          options(std::move(opts)),
          callbacks(std::move(cbs)),
          url(std::move(parsed)),
          tls(wss_context(url, options.ca_file)),
          retry(backoff_policy{options.min_delay, options.max_delay, options.min_uptime},
                options.random),
          retry_timer(strand),
          subscriptions(options.dedupe_window) {}

    strand_type strand;
    client_options options;
    client_callbacks callbacks;
    ws_url url;
    std::optional<asio::ssl::context> tls;  // wss:// only
    backoff retry;
    asio::steady_timer retry_timer;
    subscription_set subscriptions;
    std::shared_ptr<connection> current;  // the attempt or connection in progress, if any
    bool started = false;
    bool closing = false;
    std::uint64_t next_request_id = 1;

    // Held while a callback runs, so the destructor can wait for it and then set `detached`.
    // Recursive because a callback may destroy the client.
    std::recursive_mutex callback_mutex;
    bool detached = false;

    template <class F, class... Args>
    void emit(const F& callback, Args&&... args) {
        std::lock_guard lock(callback_mutex);
        if (detached || !callback) return;
        callback(std::forward<Args>(args)...);
    }

    // Everything below runs on `strand`.

    void send(protocol::command cmd) {
        const auto conn = current;
        if (!conn || !conn->open) return;  // the next connection resubscribes anyway
        cmd.request_id = "r" + std::to_string(next_request_id++);
        conn->outbox.push_back(protocol::serialize_command(cmd));
        if (conn->writing) return;
        conn->writing = true;
        asio::co_spawn(strand, drain(shared_from_this(), conn), asio::detached);
    }

    // `self` keeps the strand and io objects alive while the write is pending.
    static asio::awaitable<void> drain([[maybe_unused]] std::shared_ptr<impl> self,
                                       std::shared_ptr<connection> conn) {
        error_code ec;
        while (!conn->outbox.empty() && conn->open) {
            const std::string frame = std::move(conn->outbox.front());
            conn->outbox.pop_front();
            co_await conn->with_ws([&](auto& ws) {
                ws.text(true);
                return ws.async_write(asio::buffer(frame), asio::redirect_error(use_awaitable, ec));
            });
            if (ec) break;  // the read loop sees the same failure and reconnects
        }
        conn->writing = false;
    }

    void do_subscribe(const protocol::channel_name& channel, std::shared_ptr<event_handler> h) {
        if (closing || !subscriptions.add(channel, std::move(h))) return;
        send(*subscriptions.subscribe_command(channel.str()));
    }

    void do_unsubscribe(const protocol::channel_name& channel) {
        if (!subscriptions.remove(channel)) return;
        send(protocol::command{protocol::command_type::unsubscribe, channel, {}, {}});
    }

    void do_close() {
        if (closing) return;
        closing = true;
        retry_timer.cancel();
        const auto conn = current;
        if (!conn) return;
        if (conn->open) {
            conn->open = false;  // nothing more is queued behind the close frame
            // The pending read completes with error::closed once the server echoes the close
            // (or with a timeout after handshake_timeout); run() then reports `disconnected`.
            conn->with_ws([&](auto& ws) {
                ws.async_close(
                    websocket::close_reason{websocket::close_code::normal, "client closed"},
                    [conn](error_code) {});
            });
        } else {
            // Aborts resolve/connect/TLS handshake/upgrade.
            conn->with_ws([](auto& ws) { beast::get_lowest_layer(ws).close(); });
        }
    }

    void handle_frame(std::string_view frame) {
        auto parsed = protocol::parse_envelope(frame);
        if (const auto* err = std::get_if<protocol::envelope_error>(&parsed)) {
            emit(callbacks.error, client_error{error_kind::malformed_frame, {}, err->message, {}});
            return;
        }
        const auto& env = std::get<protocol::envelope>(parsed);
        if (env.type == "subscribed") return on_subscribed(env);
        if (env.type == "error") return on_server_error(env);
        if (env.type == "unsubscribed") return on_unsubscribed(env);
        if (env.type == "pong") return on_pong();
        if (const auto handler = subscriptions.route(env)) emit(*handler, env);
    }

    // A refused credential is closed (4401, 4403) right after the upgrade, before any command is
    // answered; so the pong to the ping sent on open is the server's word that it accepted the
    // credential, and only then is the client `connected`.
    void on_pong() {
        const auto conn = current;
        if (!conn || conn->confirmed) return;
        conn->confirmed = true;
        retry.connected(std::chrono::steady_clock::now());
        emit(callbacks.connected);
    }

    void on_subscribed(const protocol::envelope& env) {
        if (!env.channel || !subscriptions.contains(*env.channel)) return;  // since unsubscribed
        const auto payload = nlohmann::json::parse(env.payload_json, nullptr, false);
        std::optional<bool> recovered;
        if (payload.is_object() && payload.contains("recovered") &&
            payload["recovered"].is_boolean()) {
            recovered = payload["recovered"].get<bool>();
        }
        emit(callbacks.subscribed, *env.channel, recovered);
    }

    // A revocation: the channel is dropped from what the client wants, so no reconnect
    // resubscribes it, and the application hears about it as an error naming the channel.
    void on_unsubscribed(const protocol::envelope& env) {
        const auto revoked = revoked_channel(env);
        if (!revoked) return;  // the answer to our own unsubscribe
        const auto channel = protocol::parse_channel(*revoked);
        if (!channel || !subscriptions.remove(*channel)) return;  // no longer wanted anyway
        emit(callbacks.error, client_error{error_kind::server_error, std::string(revoked_code),
                                           "the server revoked the subscription to " + *revoked +
                                               " (no longer allowed); it will not be resubscribed",
                                           *revoked});
    }

    void on_server_error(const protocol::envelope& env) {
        const auto payload = nlohmann::json::parse(env.payload_json, nullptr, false);
        client_error err{error_kind::server_error, {}, {}, env.channel};
        if (payload.is_object()) {
            if (payload.contains("code") && payload["code"].is_string()) {
                err.code = payload["code"].get<std::string>();
            }
            if (payload.contains("message") && payload["message"].is_string()) {
                err.message = payload["message"].get<std::string>();
            }
        }
        emit(callbacks.error, err);
    }

    // One attempt: resolve, connect, (TLS,) upgrade, resubscribe, then read until it ends.
    static asio::awaitable<connection_end> connect_once(std::shared_ptr<impl> self) {
        const auto conn =
            std::make_shared<connection>(self->strand, self->tls ? &*self->tls : nullptr);
        self->current = conn;
        auto& tcp_layer = conn->with_ws(
            [](auto& ws) -> beast::tcp_stream& { return beast::get_lowest_layer(ws); });
        const auto& opts = self->options;
        error_code ec;

        tcp::resolver resolver(self->strand);
        const auto endpoints = co_await resolver.async_resolve(
            self->url.host, self->url.port, asio::redirect_error(use_awaitable, ec));
        if (self->closing) co_return closed_by_client();
        if (ec) co_return connection_end{abnormal_closure, "resolve: " + ec.message()};

        tcp_layer.expires_after(opts.handshake_timeout);
        co_await tcp_layer.async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
        if (self->closing) co_return closed_by_client();
        if (ec) co_return connection_end{abnormal_closure, "connect: " + ec.message()};
        tcp_layer.socket().set_option(tcp::no_delay(true), ec);
        if (!conn->secure) co_return co_await session(self, conn, *conn->plain);

        auto& tls_layer = conn->secure->next_layer();
        expect_host(tls_layer.native_handle(), self->url.host);
        co_await tls_layer.async_handshake(asio::ssl::stream_base::client,
                                           asio::redirect_error(use_awaitable, ec));
        if (self->closing) co_return closed_by_client();
        if (ec) {
            // A certificate that does not verify will not verify on the next attempt either.
            if (auto why = verify_failure(tls_layer.native_handle()); !why.empty()) {
                co_return connection_end{tls_handshake_failed, "TLS: " + why, true};
            }
            co_return connection_end{abnormal_closure, "TLS handshake: " + ec.message()};
        }
        co_return co_await session(self, conn, *conn->secure);
    }

    // The upgrade and the connection's life on `ws`, the plain or the TLS stream of `conn`.
    template <class Stream>
    static asio::awaitable<connection_end> session(std::shared_ptr<impl> self,
                                                   std::shared_ptr<connection> conn, Stream& ws) {
        auto& tcp_layer = beast::get_lowest_layer(ws);
        const auto& opts = self->options;
        error_code ec;
        // From here on the websocket stream keeps time itself (Beast asks for this hand-over).
        tcp_layer.expires_never();

        // keep_alive_pings: after server_timeout/2 of silence Beast pings, and after a further
        // server_timeout/2 without any frame the read fails with beast::error::timeout. So a
        // dead peer is detected within server_timeout and a live quiet one is never dropped.
        ws.set_option(
            websocket::stream_base::timeout{opts.handshake_timeout, opts.server_timeout, true});
        ws.set_option(websocket::stream_base::decorator([&opts](websocket::request_type& req) {
            req.set(http::field::user_agent, config::user_agent("client"));
            req.set(http::field::sec_websocket_protocol, "kata-rt.v1");
            if (!opts.api_key.empty()) {
                req.set(http::field::authorization, "Bearer " + opts.api_key);
            } else if (!opts.session_token.empty()) {
                req.set(http::field::cookie, opts.cookie_name + "=" + opts.session_token);
            }
            if (!opts.origin.empty()) req.set(http::field::origin, opts.origin);
        }));
        ws.read_message_max(opts.max_message_bytes);
        if (opts.deflate) {
            // permessage-deflate, each message on its own both ways (what kata-rt answers): log
            // events arrive at a fraction of their size and the stream keeps no window between
            // messages. Beast bounds the inflated size by read_message_max.
            websocket::permessage_deflate pmd;
            pmd.client_enable = true;
            pmd.server_no_context_takeover = true;
            pmd.client_no_context_takeover = true;
            ws.set_option(pmd);
        }

        websocket::response_type res;
        co_await ws.async_handshake(res, self->url.host_header(), self->url.target,
                                    asio::redirect_error(use_awaitable, ec));
        if (self->closing) co_return closed_by_client();
        if (ec == websocket::error::upgrade_declined) co_return refused_upgrade(res);
        if (ec) co_return connection_end{abnormal_closure, "upgrade: " + ec.message()};

        conn->open = true;
        // `connected` waits for the answer to this ping (on_pong); the subscriptions go out at
        // once behind it, so confirming the credential costs no round trip.
        self->send(protocol::command{protocol::command_type::ping, {}, {}, {}});
        for (auto& cmd : self->subscriptions.resubscribe_commands())
            self->send(std::move(cmd));

        beast::flat_buffer buffer;
        for (;;) {
            co_await ws.async_read(buffer, asio::redirect_error(use_awaitable, ec));
            if (ec) break;
            if (ws.got_text()) {
                const auto data = buffer.data();
                self->handle_frame({static_cast<const char*>(data.data()), data.size()});
            } else {
                self->emit(
                    self->callbacks.error,
                    client_error{error_kind::unsupported_frame, {}, "binary frame skipped", {}});
            }
            buffer.consume(buffer.size());
        }
        conn->open = false;
        self->retry.disconnected(std::chrono::steady_clock::now());
        if (self->closing) co_return closed_by_client();
        if (ec == websocket::error::closed) {
            const auto& why = ws.reason();
            co_return connection_end{why.code, std::string{why.reason.c_str()},
                                     !protocol::should_reconnect(why.code)};
        }
        if (ec == beast::error::timeout) {
            co_return connection_end{abnormal_closure,
                                     "server timeout: no frame for " +
                                         std::to_string(opts.server_timeout.count()) + " ms"};
        }
        co_return connection_end{abnormal_closure, "connection lost: " + ec.message()};
    }

    static asio::awaitable<void> run(std::shared_ptr<impl> self) {
        self->emit(self->callbacks.connecting);
        connection_end end;
        for (;;) {
            end = co_await connect_once(self);
            self->current.reset();
            if (self->closing) end = closed_by_client();
            if (end.terminal) break;

            const auto attempt = self->retry.attempt();
            const auto delay = self->retry.next_delay();
            self->emit(self->callbacks.reconnecting,
                       reconnect_info{attempt, delay, end.code, end.reason});
            self->retry_timer.expires_after(delay);
            error_code ec;
            co_await self->retry_timer.async_wait(asio::redirect_error(use_awaitable, ec));
            if (self->closing) {
                end = closed_by_client();
                break;
            }
        }
        self->emit(self->callbacks.disconnected, disconnect_info{end.code, end.reason});
    }
};

reconnecting_client::reconnecting_client(boost::asio::io_context& ioc, client_options options,
                                         client_callbacks callbacks) {
    auto url = parse_client_url(options.url);
    if (!url) {
        throw std::invalid_argument("url must look like ws://host:port/path or wss://...: " +
                                    options.url);
    }
    if (options.api_key.empty() && !options.session_token.empty() && options.origin.empty()) {
        throw std::invalid_argument("a session cookie needs an origin");
    }
    impl_ = std::make_shared<impl>(ioc, std::move(options), std::move(callbacks), std::move(*url));
}

reconnecting_client::~reconnecting_client() {
    {
        std::lock_guard lock(impl_->callback_mutex);
        impl_->detached = true;
    }
    close();
}

void reconnecting_client::start() {
    asio::post(impl_->strand, [self = impl_] {
        if (self->started || self->closing) return;
        self->started = true;
        // An exception escaping run() (a callback that threw) still ends in `disconnected`.
        asio::co_spawn(self->strand, impl::run(self), [self](std::exception_ptr failure) {
            if (!failure) return;
            std::string what = "client stopped by an exception";
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                what += std::string{": "} + e.what();
            } catch (...) {
            }
            self->closing = true;
            self->current.reset();
            self->emit(self->callbacks.disconnected, disconnect_info{abnormal_closure, what});
        });
    });
}

void reconnecting_client::subscribe(const protocol::channel_name& channel, event_handler handler) {
    asio::post(impl_->strand, [self = impl_, channel,
                               h = std::make_shared<event_handler>(std::move(handler))]() mutable {
        self->do_subscribe(channel, std::move(h));
    });
}

void reconnecting_client::unsubscribe(const protocol::channel_name& channel) {
    asio::post(impl_->strand, [self = impl_, channel] { self->do_unsubscribe(channel); });
}

void reconnecting_client::close() {
    asio::post(impl_->strand, [self = impl_] { self->do_close(); });
}

}  // namespace kata::client
