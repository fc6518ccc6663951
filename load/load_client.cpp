#include "load/load_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <optional>
#include <random>

#include "load/churn.hpp"
#include "load/payload.hpp"

namespace kata::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct load_client::connection {
    connection(asio::any_io_executor ex, std::size_t i) : ws(std::in_place, ex), index(i) {}
    // Replaced by a fresh stream when --churn cuts the connection and it reconnects.
    std::optional<websocket::stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    std::size_t index;
    bool open = false;     // upgraded and not yet closed
    bool churned = false;  // cut by --churn: the read loop reconnects instead of ending
    clock_type::time_point cut_at{};
    std::string last_event_id;  // on its channel, kept only with --churn: the next `since`
};

namespace {

std::int64_t unix_micros_now() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::uint64_t micros_since(clock_type::time_point t0) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0).count());
}

}  // namespace

load_client::load_client(asio::any_io_executor executor, const scenario& sc, run_state& state)
    : executor_(std::move(executor)), scenario_(sc), state_(state) {}

load_client::~load_client() = default;

void load_client::start(clock_type::time_point start) {
    const std::size_t n = scenario_.connections;
    connections_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto conn = std::make_shared<connection>(executor_, i);
        connections_.push_back(conn);
        const auto offset = n <= 1 ? clock_type::duration::zero()
                                   : std::chrono::duration_cast<clock_type::duration>(
                                         scenario_.ramp * (static_cast<double>(i) / n));
        asio::co_spawn(executor_, run_connection(conn, start + offset), asio::detached);
    }
}

asio::awaitable<void> load_client::run_connection(std::shared_ptr<connection> conn,
                                                  clock_type::time_point at) {
    const std::size_t i = conn->index;
    asio::steady_timer timer(executor_);
    timer.expires_at(at);
    co_await timer.async_wait(use_tuple);
    if (state_.stopping) {
        state_.connect_failed(i, "the run ended before this connection's turn");
        co_return;
    }
    state_.phase[i] = connection_phase::connecting;
    auto t0 = clock_type::now();
    const bool track_ids = scenario_.churn > 0;
    bool resuming = false;  // reconnecting after a --churn cut, with `since`

    // A failure before `subscribed`: a connect failure the first time, a lost subscriber after a
    // churn cut (unless the run is closing anyway).
    auto fail = [&](std::string reason) {
        if (!resuming) {
            state_.connect_failed(i, std::move(reason));
            return;
        }
        state_.phase[i] = connection_phase::closed;
        if (state_.stopping) return;
        ++state_.reconnect_failed;
        if (state_.first_reconnect_error.empty()) state_.first_reconnect_error = std::move(reason);
    };

    // Resolved once per run (the first connections may race to it; harmless), not once per
    // connection: thousands of resolver round trips would be measured as connect time.
    if (endpoints_.empty()) {
        tcp::resolver resolver(executor_);
        auto [rerr, results] = co_await resolver.async_resolve(
            scenario_.ws_url.host, std::to_string(scenario_.ws_url.port), use_tuple);
        if (rerr) {
            fail("resolve " + scenario_.ws_url.host + ": " + rerr.message());
            co_return;
        }
        for (const auto& entry : results)
            endpoints_.push_back(entry.endpoint());
    }
    const std::string channel = scenario_.channel_name(state_.channel_of[i]);

    for (;;) {
        auto& ws = *conn->ws;
        auto& tcp_layer = beast::get_lowest_layer(ws);
        // TCP connect and upgrade share one deadline; `subscribed` gets what is left of it.
        tcp_layer.expires_after(scenario_.connect_timeout);
        auto [cerr, ep] = co_await tcp_layer.async_connect(endpoints_, use_tuple);
        if (cerr) {
            fail("connect: " + cerr.message());
            co_return;
        }
        tcp_layer.socket().set_option(tcp::no_delay(true));
        ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
            req.set(beast::http::field::authorization, "Bearer " + scenario_.api_key);
            req.set(beast::http::field::sec_websocket_protocol, "kata-rt.v1");
            req.set(beast::http::field::user_agent, "kata-rt-loadtest");
        }));
        auto [herr] = co_await ws.async_handshake(scenario_.ws_url.host_header(),
                                                  scenario_.ws_url.target, use_tuple);
        if (herr) {
            fail("upgrade: " + herr.message());
            co_return;
        }
        if (resuming && state_.stopping) {  // close_all has already passed this connection
            beast::error_code ignored;
            tcp_layer.socket().close(ignored);
            state_.phase[i] = connection_phase::closed;
            co_return;
        }
        conn->open = true;
        ws.read_message_max(64 * 1024 * 1024);

        std::string subscribe = "{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"";
        if (resuming && !conn->last_event_id.empty())
            subscribe += ",\"since\":\"" + conn->last_event_id + "\"";
        subscribe += "}";
        auto [werr, wn] = co_await ws.async_write(asio::buffer(subscribe), use_tuple);
        if (werr) {
            conn->open = false;
            fail("subscribe: " + werr.message());
            co_return;
        }

        bool subscribed = false;
        for (;;) {
            // Before `subscribed`, the connect deadline still runs; after it, only the server,
            // --churn or the end of the run closes the connection.
            auto [err, n] = co_await ws.async_read(conn->buffer, use_tuple);
            if (err) {
                conn->open = false;
                if (conn->churned) break;  // cut on purpose: resume below
                const bool by_server = ws.reason().code != websocket::close_code::none;
                const std::uint16_t code = by_server ? ws.reason().code : 1006;
                if (!subscribed) {
                    std::string why = by_server ? "closed with " + std::to_string(code) + " " +
                                                      std::string(ws.reason().reason.c_str())
                                                : "before subscribed: " + err.message();
                    fail(std::move(why));
                } else if (state_.stopping) {
                    state_.phase[i] = connection_phase::closed;
                } else {
                    ++state_.disconnects[code];
                    state_.phase[i] = connection_phase::closed;
                }
                co_return;
            }
            const auto data = conn->buffer.cdata();
            const std::string_view frame(static_cast<const char*>(data.data()), data.size());
            if (auto ev = scan_load_event(frame); ev && subscribed) {
                if (ev->channel == channel) {
                    if (track_ids) conn->last_event_id.assign(scan_event_id(frame));
                    // A resumed subscriber keeps its tally: a replayed event it never saw counts
                    // as delivered (once), one it already had as duplicated.
                    if (state_.tallies[i].record(ev->seq) != delivery_kind::duplicated) {
                        const std::int64_t waited = unix_micros_now() - ev->intended_unix_us;
                        const auto us =
                            static_cast<std::uint64_t>(std::max<std::int64_t>(waited, 0));
                        state_.latency.record(us);
                        state_.latency_interval.record(us);
                        ++state_.deliveries;
                    }
                }
            } else if (!subscribed) {
                const auto type = scan_type(frame);
                if (type == "subscribed") {
                    subscribed = true;
                    tcp_layer.expires_never();
                    state_.phase[i] = connection_phase::subscribed;
                    if (resuming) {
                        ++state_.resumed;
                        if (!scan_recovered(frame).value_or(false)) ++state_.unrecovered;
                        state_.reconnect_latency.record(micros_since(t0));
                    } else {
                        state_.connect_latency.record(micros_since(t0));
                        ++state_.subscribed;
                        ++state_.settled;
                    }
                } else if (type == "error") {
                    fail("subscribe refused: " + std::string(frame.substr(0, 200)));
                    beast::error_code ignored;
                    tcp_layer.socket().close(ignored);
                    conn->open = false;
                    co_return;
                }
            }
            conn->buffer.consume(conn->buffer.size());
        }

        // Cut by --churn: reconnect at once on a fresh stream, as the same subscriber.
        conn->churned = false;
        conn->buffer.consume(conn->buffer.size());
        if (state_.stopping) {
            state_.phase[i] = connection_phase::closed;
            co_return;
        }
        resuming = true;
        t0 = conn->cut_at;
        state_.phase[i] = connection_phase::resuming;
        conn->ws.emplace(executor_);
    }
}

asio::awaitable<void> load_client::run_churn(clock_type::time_point start) {
    const double rate = scenario_.churn;
    const std::uint64_t total = planned_churns(rate, scenario_.duration);
    asio::steady_timer timer(executor_);
    std::mt19937_64 rng(std::random_device{}());
    auto eligible = [this](std::size_t i) {
        const auto& c = *connections_[i];
        // Only a subscriber that has an eventId to resume from: without one, `since` cannot
        // be sent and the events of the gap would be lost by construction.
        return state_.phase[i] == connection_phase::subscribed && c.open && !c.churned &&
               !c.last_event_id.empty();
    };
    for (std::uint64_t k = 1; k <= total; ++k) {
        timer.expires_at(start + churn_offset(rate, k));
        co_await timer.async_wait(use_tuple);
        if (state_.stopping) co_return;
        const auto victim = pick_victim(connections_.size(), eligible, rng);
        if (!victim) {
            ++state_.churn_skipped;
            continue;
        }
        auto& c = *connections_[*victim];
        c.churned = true;
        c.open = false;
        c.cut_at = clock_type::now();
        state_.phase[*victim] = connection_phase::resuming;  // owed its events from now on
        ++state_.churned;
        // Abrupt: no close frame, the TCP socket just closes (the server sees 1006), like a
        // killed process or a dropped network path. The read loop reconnects it.
        beast::error_code ignored;
        beast::get_lowest_layer(*c.ws).socket().close(ignored);
    }
}

asio::awaitable<void> load_client::close_all(std::chrono::milliseconds grace) {
    // Shared with the close handlers, which may run after this coroutine has given up waiting.
    auto pending = std::make_shared<std::size_t>(0);
    auto done = std::make_shared<asio::steady_timer>(executor_, clock_type::time_point::max());
    for (auto& conn : connections_) {
        if (!conn->open) {
            // Not upgraded yet (still connecting, or waiting its ramp turn): just cut it.
            beast::error_code ignored;
            beast::get_lowest_layer(*conn->ws).socket().close(ignored);
            continue;
        }
        ++*pending;
        conn->open = false;
        beast::get_lowest_layer(*conn->ws).expires_after(grace);
        conn->ws->async_close(websocket::close_code::normal,
                              [conn, pending, done](beast::error_code) {
                                  if (--*pending == 0) done->cancel();
                              });
    }
    if (*pending > 0) {
        done->expires_after(grace);
        co_await done->async_wait(use_tuple);
    }
    // Whatever has not closed by now is cut, so the run ends on time.
    for (auto& conn : connections_) {
        beast::error_code ignored;
        beast::get_lowest_layer(*conn->ws).socket().close(ignored);
    }
}

}  // namespace kata::load
