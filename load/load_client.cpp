#include "load/load_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/errc.hpp>

#include <span>

#include "core/protocol/ws_frame_parser.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "load/client_handshake.hpp"
#include "load/load_client_connection.hpp"
#include "load/subscriber_frames.hpp"

namespace kata::load {

namespace asio = boost::asio;
namespace ws = protocol::ws;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using error_code = boost::system::error_code;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// Far above any load event (the server's own limit is lower); only a runaway server hits it.
constexpr std::size_t max_message_bytes = 64 * 1024 * 1024;
// Per thread. Large, so a busy connection's backlog comes out in few reads.
constexpr std::size_t read_buffer_bytes = 128 * 1024;
constexpr std::size_t max_response_head = 16 * 1024;

using tls_status = server::tls_transport::status;
// What a TLS failure reports (load_client_io.cpp): the session's error() says more.
const error_code tls_error = make_error_code(boost::system::errc::protocol_error);

}  // namespace

load_client::load_client(asio::io_context& io, const scenario& sc, subscriber_state& state)
    : io_(io),
      scenario_(sc),
      state_(state),
      read_buffer_(read_buffer_bytes),
      mask_rng_(std::random_device{}()),
      key_rng_(std::random_device{}()) {
    endpoints_.resize(sc.node_count());
    state_.upgraded_on_node.assign(sc.node_count(), 0);
}

load_client::~load_client() = default;

void load_client::start(clock_type::time_point start) {
    const std::size_t n = scenario_.connections;
    connections_.reserve(state_.subscriber_of.size());
    for (std::size_t j = 0; j < state_.subscriber_of.size(); ++j) {
        const std::size_t i = state_.subscriber_of[j];
        auto conn = std::make_shared<connection>(io_, j);
        conn->node = scenario_.node_of_connection(i);
        connections_.push_back(conn);
        const auto offset = n <= 1 ? clock_type::duration::zero()
                                   : std::chrono::duration_cast<clock_type::duration>(
                                         scenario_.ramp * (static_cast<double>(i) / n));
        asio::co_spawn(io_, run_connection(conn, start + offset), asio::detached);
    }
}

asio::awaitable<void> load_client::run_connection(std::shared_ptr<connection> conn,
                                                  clock_type::time_point at) {
    const std::size_t j = conn->local;
    conn->deadline.expires_at(at);
    co_await conn->deadline.async_wait(use_tuple);
    if (state_.stopping) {
        state_.connect_failed(j, "the run ended before this connection's turn");
        co_return;
    }
    state_.phase[j] = connection_phase::connecting;
    auto t0 = clock_type::now();
    const bool track_ids = scenario_.churn > 0;
    bool resuming = false;  // reconnecting after a --churn cut, with `since`

    // A failure before `subscribed`: a connect failure the first time, a lost subscriber after a
    // churn cut (unless the run is closing anyway).
    auto fail = [&](std::string reason) {
        error_code ignored;
        conn->socket.close(ignored);
        if (!resuming) {
            state_.connect_failed(j, std::move(reason));
            return;
        }
        state_.phase[j] = connection_phase::closed;
        if (state_.stopping) return;
        ++state_.reconnect_failed;
        if (state_.first_reconnect_error.empty()) state_.first_reconnect_error = std::move(reason);
    };
    const std::string channel = scenario_.channel_name(state_.channel_of[j]);

    for (;;) {
        // TCP connect, upgrade and `subscribed` share one deadline; past it the socket is cut and
        // whatever was waiting fails. read_frames disarms it at `subscribed`.
        conn->timed_out = false;
        conn->deadline.expires_after(scenario_.connect_timeout);
        conn->deadline.async_wait([conn, gen = ++conn->deadline_gen](const error_code& ec) {
            if (ec || conn->deadline_gen != gen) return;
            conn->timed_out = true;
            error_code ignored;
            conn->socket.close(ignored);
        });
        std::string leftover;  // bytes after the 101 response: the first frames
        if (auto err = co_await open(*conn, leftover); !err.empty()) {
            ++conn->deadline_gen;
            fail(std::move(err));
            co_return;
        }
        if (resuming && state_.stopping) {  // begin_close has already passed this connection
            ++conn->deadline_gen;
            error_code ignored;
            conn->socket.close(ignored);
            state_.phase[j] = connection_phase::closed;
            co_return;
        }
        conn->open = true;
        const auto upgraded_at = clock_type::now();
        if (!resuming) {
            ++state_.upgraded_on_node[conn->node];
            state_.upgrade_latency.record(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(upgraded_at - t0).count()));
        }

        std::string subscribe = "{\"type\":\"subscribe\",\"channel\":\"" + channel + "\"";
        if (resuming && !conn->last_event_id.empty())
            subscribe += ",\"since\":\"" + conn->last_event_id + "\"";
        subscribe += "}";
        const auto frame = ws::client_frame(ws::opcode::text, subscribe, mask_from(mask_rng_));
        conn->writing = true;
        const auto werr = co_await send_all(*conn, frame);
        conn->writing = false;
        if (werr) {
            ++conn->deadline_gen;
            conn->open = false;
            fail("subscribe: " + (conn->timed_out ? std::string("timed out") : werr.message()));
            co_return;
        }

        subscriber_frames frames(state_,
                                 {.local = j,
                                  .channel = channel,
                                  .resuming = resuming,
                                  .t0 = t0,
                                  .subscribe_sent = upgraded_at,
                                  .track_ids = track_ids,
                                  .close_sent = &conn->closing,
                                  .inflater = &inflater_},
                                 conn->last_event_id, mask_rng_);
        const ending end = co_await read_frames(*conn, frames, std::move(leftover));
        ++conn->deadline_gen;
        conn->open = false;
        error_code ignored;
        conn->socket.close(ignored);
        if (conn->churned) {
            // Cut by --churn: reconnect at once, as the same subscriber.
            conn->churned = false;
            if (state_.stopping) {
                state_.phase[j] = connection_phase::closed;
                co_return;
            }
            resuming = true;
            conn->node = scenario_.churn_node(conn->node);
            t0 = conn->cut_at;
            state_.phase[j] = connection_phase::resuming;
            continue;
        }
        finished_closing(*conn);
        if (!frames.subscribed()) {
            fail(end.why);
        } else {
            // Before `subscribed` only the connect deadline runs; after it, only the server, the
            // network, --churn or the end of the run closes the connection.
            if (!state_.stopping) ++state_.disconnects[end.code];
            state_.phase[j] = connection_phase::closed;
        }
        co_return;
    }
}

asio::awaitable<std::string> load_client::open(connection& conn, std::string& leftover) {
    auto why = [&](const error_code& ec) {
        if (conn.timed_out) {
            return "timed out after " + std::to_string(scenario_.connect_timeout.count()) + " ms";
        }
        return conn.tls && ec == tls_error ? conn.tls->error() : ec.message();
    };
    conn.tls.reset();  // a reconnect after --churn gets a new session
    // Resolved once per run, thread and node (the first connections may race to it; harmless),
    // not once per connection: thousands of resolver round trips would be measured as connect
    // time.
    const endpoint_url& url = scenario_.node_url(conn.node);
    auto& endpoints = endpoints_[conn.node];
    if (endpoints.empty()) {
        tcp::resolver resolver(io_);
        auto [rerr, results] =
            co_await resolver.async_resolve(url.host, std::to_string(url.port), use_tuple);
        if (rerr) co_return "resolve " + url.host + ": " + rerr.message();
        if (endpoints.empty()) {
            for (const auto& entry : results)
                endpoints.push_back(entry.endpoint());
        }
    }
    auto [cerr, ep] = co_await asio::async_connect(conn.socket, endpoints, use_tuple);
    if (cerr) co_return "connect: " + why(cerr);
    error_code ignored;
    conn.socket.set_option(tcp::no_delay(true), ignored);
    if (scenario_.tls) {
        if (auto err = co_await tls_handshake(conn); !err.empty()) {
            co_return conn.timed_out ? "TLS: " + why({}) : err;
        }
    }

    std::array<std::uint8_t, 16> nonce{};
    for (std::size_t k = 0; k < nonce.size(); k += 8) {
        const auto bits = key_rng_();
        for (std::size_t b = 0; b < 8; ++b)
            nonce[k + b] = static_cast<std::uint8_t>(bits >> (8 * b));
    }
    const std::string key = websocket_key(nonce);
    const std::string request = upgrade_request(url, scenario_.api_key, key, scenario_.deflate);
    conn.writing = true;
    const auto werr = co_await send_all(conn, request);
    conn.writing = false;
    if (werr) co_return "upgrade: " + why(werr);
    std::string head;
    std::size_t n = 0;
    if (!conn.tls) {
        auto [rerr, end] = co_await asio::async_read_until(
            conn.socket, asio::dynamic_buffer(head, max_response_head), "\r\n\r\n", use_tuple);
        if (rerr) co_return "upgrade: " + why(rerr);
        n = end;
    } else {
        // The same over TLS: read until the blank line, keeping what follows it.
        while ((n = head.find("\r\n\r\n")) == std::string::npos) {
            if (head.size() >= max_response_head) co_return "upgrade: response head too large";
            char chunk[4096];
            auto [rerr, got] = co_await receive(conn, chunk);
            if (rerr) co_return "upgrade: " + why(rerr);
            head.append(chunk, got);
        }
        n += 4;
    }
    if (auto problem = check_upgrade_response(std::string_view(head).substr(0, n), key,
                                              scenario_.deflate ? &conn.deflate : nullptr);
        !problem.empty()) {
        co_return "upgrade: " + problem;
    }
    leftover = head.substr(n);
    // From here on the socket is only read when it is readable, without blocking, into the
    // thread's buffer (read_frames).
    conn.socket.non_blocking(true, ignored);
    co_return std::string();
}

asio::awaitable<load_client::ending> load_client::read_frames(connection& conn,
                                                              subscriber_frames& frames,
                                                              std::string leftover) {
    ws::frame_parser parser(
        {.max_message_bytes = max_message_bytes, .server_role = false, .deflate = conn.deflate});
    ending end;
    bool done = false;
    bool subscribed = false;
    // Parses one read's bytes: the frames are accounted for at once (the views they give point
    // into the shared buffer, which the next read overwrites).
    auto handle = [&](std::span<char> bytes) {
        frames.set_now(unix_micros_now());
        state_.wire_bytes += bytes.size();
        const auto result = parser.feed(bytes, frames);
        if (!subscribed && frames.subscribed()) {
            subscribed = true;
            ++conn.deadline_gen;
            conn.deadline.cancel();
        }
        if (result.error) {
            // Tell the server why, as RFC 6455 7.1.7 asks, then drop the connection.
            end.code = result.error->close_code;
            end.why = std::string("the server broke the protocol: ") + result.error->reason;
            frames.replies() += ws::client_frame(
                ws::opcode::close, ws::close_body(result.error->close_code, result.error->reason),
                mask_from(mask_rng_));
            done = true;
        } else if (frames.peer_close()) {
            end.code = *frames.peer_close();
            end.why = "closed with " + std::to_string(end.code) + " " + frames.peer_close_reason();
            done = true;
        } else if (!frames.refused().empty()) {
            end.why = "subscribe refused: " + frames.refused();
            done = true;
        }
    };
    auto failed = [&](const error_code& ec) {
        end.why =
            "before subscribed: " + (conn.timed_out ? std::string("timed out") : ec.message());
        done = true;
    };

    if (!leftover.empty()) handle(std::span<char>(leftover.data(), leftover.size()));
    for (;;) {
        // Pongs, the close echo or our protocol-error close; nothing more once the run has sent
        // its own close.
        if (!frames.replies().empty() && !conn.closing) {
            conn.writing = true;
            const auto werr = co_await send_all(conn, frames.replies());
            conn.writing = false;
            if (werr && !done) failed(werr);
        }
        frames.replies().clear();
        if (done) co_return end;

        // The first bytes of each wake-up land in the connection's own small buffer, read by
        // Asio when the socket becomes readable: one system call per wake-up when they hold all
        // there was (the usual case below saturation). async_wait followed by our own read
        // costs two (Asio re-arms epoll with epoll_ctl for every wait), which measured slower
        // than Beast's reads at low rates. Asio may read speculatively and post the completion,
        // so this buffer must be the connection's, never the shared one.
        auto [err, first] = co_await receive(conn, conn.first_bytes);
        if (err) {
            failed(err);
            co_return end;
        }
        handle(std::span<char>(conn.first_bytes.data(), first));
        if (done || first < conn.first_bytes.size()) continue;
        // It filled up: drain the backlog into the thread's large buffer, until a read would
        // block or comes back short (then the socket was drained).
        for (;;) {
            error_code ec;
            std::size_t n = 0;
            if (conn.tls) {
                const auto r = conn.tls->read(read_buffer_);
                n = r.bytes;
                if (n == 0 && r.state == tls_status::want_write) break;  // receive() flushes
                if (n == 0 && r.state == tls_status::want_read) break;
                if (n == 0) ec = r.state == tls_status::closed ? asio::error::eof : tls_error;
            } else {
                n = conn.socket.read_some(asio::buffer(read_buffer_), ec);
            }
            if (ec == asio::error::would_block || ec == asio::error::try_again) break;
            if (ec) {
                failed(ec);
                break;
            }
            handle(std::span<char>(read_buffer_.data(), n));
            if (done || n < read_buffer_.size()) break;
        }
    }
}

void load_client::finished_closing(connection& conn) {
    if (std::exchange(conn.closing, false)) --closing_;
}

}  // namespace kata::load
