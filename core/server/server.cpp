#include "core/server/server.hpp"

#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "core/server/broker_factory.hpp"
#include "core/server/http/admin_listener.hpp"
#include "core/server/http/http_session.hpp"
#include "core/server/ops/fd_reserve.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/ops/log_limiter.hpp"
#include "core/server/tls/handshake_slots.hpp"
#include "core/server/tls/tls_context.hpp"
#include "core/server/ws/disconnect_relay.hpp"
#include "core/server/ws/revalidator.hpp"
#include "core/server/ws/worker.hpp"
#include "core/server/ws/ws_connection.hpp"

namespace kata::server {
namespace {

void log_failure(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        log(log_level::error, std::string("connection failed: ") + ex.what());
    } catch (...) {
        log(log_level::error, "connection failed");
    }
}

// With TLS, while every handshake slot is taken, new connections stay in the listen backlog:
// there they cost the process no memory. Woken often enough to see a slot freed by a handshake
// that ended.
asio::awaitable<void> wait_for_handshake_slot(handshake_slots& slots, asio::steady_timer& pause,
                                              const server_state& state) {
    constexpr auto recheck = std::chrono::milliseconds(20);
    for (auto wait = slots.wait_before_accept(std::chrono::steady_clock::now());
         wait > decltype(wait)::zero() && !state.stopping.load();
         wait = slots.wait_before_accept(std::chrono::steady_clock::now())) {
        pause.expires_after(std::min<std::chrono::steady_clock::duration>(wait, recheck));
        co_await pause.async_wait(use_tuple);
    }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor,
                                  std::vector<std::unique_ptr<worker>>& workers,
                                  server_state& state, const tls_context_slot* tls,
                                  handshake_slots& slots) {
    asio::steady_timer pause(acceptor.get_executor());
    std::size_t next = 0;
    fd_reserve reserve;
    while (!state.stopping.load()) {
        if (tls != nullptr) co_await wait_for_handshake_slot(slots, pause, state);
        if (state.stopping.load()) break;
        // Each connection is pinned to one worker, round robin: it lives on that thread only.
        auto& w = *workers[next++ % workers.size()];
        auto [ec, socket] = co_await acceptor.async_accept(w.context(), use_tuple);
        if (ec == asio::error::operation_aborted || state.stopping.load()) break;
        if (ec) {
            // Out of descriptors (EMFILE): the reserve answers the pending connection 503 and
            // closes it, so clients never hang. Otherwise back off briefly instead of spinning
            // on a failing accept. Logged at most once a second either way.
            if (!reserve.on_accept_error(acceptor.native_handle(), ec)) {
                pause.expires_after(std::chrono::milliseconds(50));
                co_await pause.async_wait(use_tuple);
            }
            continue;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        const auto ex = socket.get_executor();
        if (tls != nullptr) {
            auto ticket = slots.admit(ex, std::chrono::steady_clock::now());
            if (!ticket) {
                // max_connections WebSockets are open: no slot for a handshake either.
                state.counters.connections_refused.fetch_add(1);
                socket.close(ignored);
                continue;
            }
            // The context of this moment: a reload after this line is for the next connection.
            asio::co_spawn(ex, serve_https(std::move(socket), tls->get(), w, std::move(ticket)),
                           log_failure);
        } else {
            asio::co_spawn(ex, serve_http(std::move(socket), w), log_failure);
        }
    }
}

// Expires history and forgets idle channels, so memory follows the live channels.
asio::awaitable<void> sweep_loop(server_state& state) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto period = std::clamp<std::chrono::milliseconds>(state.config.history.ttl / 4,
                                                              std::chrono::milliseconds(10),
                                                              std::chrono::milliseconds(1000));
    std::size_t freed_since_trim = 0;
    while (!state.stopping.load()) {
        timer.expires_after(period);
        co_await timer.async_wait(use_tuple);
        const auto held = state.hub.history_bytes();
        state.hub.sweep(std::chrono::steady_clock::now());
        // Expired history leaves free memory scattered over the heap; give it back to the system
        // once a lot has gone, so RSS follows what is held rather than staying at the peak.
        freed_since_trim += held - std::min(held, state.hub.history_bytes());
        if (freed_since_trim > 16 * 1024 * 1024) {
            ::malloc_trim(0);
            freed_since_trim = 0;
        }
        flush_refusal_log();  // a refusal flood that stopped still gets its "N suppressed" line
    }
}

tcp::endpoint resolve_listen(const std::string& host, std::uint16_t port) {
    beast::error_code ec;
    const auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) {
        throw std::system_error(ec, "listen host must be an IP address or localhost: " + host);
    }
    return {address, port};
}

}  // namespace

struct server::impl {
    impl(config::server_config cfg, std::shared_ptr<const auth::directory> dir)
        : state(std::move(cfg), std::move(dir)), broker(make_broker(state.config)) {
        const unsigned n = server_state::worker_count(state.config);
        for (unsigned i = 0; i < n; ++i)
            workers.push_back(std::make_unique<worker>(i, state));
        disconnects = std::make_unique<disconnect_relay>(state, workers, broker.get());
        state.disconnects = disconnects.get();
        if (broker) {
            // The relay takes the reserved disconnect channel and hands the rest to the hub.
            broker->set_sink(disconnects.get());
            state.hub.set_broker(broker.get());
        }
        acceptor.emplace(workers.front()->context());
        const auto& http = state.config.directory.http;
        if (http && http->revalidate.count() > 0) {
            std::vector<worker*> all;
            for (auto& w : workers)
                all.push_back(w.get());
            revalidation = std::make_shared<revalidator>(state, http->revalidate, std::move(all));
            for (auto& w : workers)
                w->set_revalidation(revalidation);
        }
    }
    ~impl() {
        if (revalidation) revalidation->stop();  // posts to the workers: stopped before them
        admin.reset();
        acceptor.reset();
        if (broker) broker->stop();
        disconnects.reset();  // its timer before the workers' contexts
        workers.clear();
    }

    server_state state;
    // Before the workers: every handshake's ticket goes with its worker's coroutines.
    handshake_slots handshakes{state, state.config.limits.max_tls_handshakes};
    std::unique_ptr<hub::broker> broker;  // a remote one (Redis); none with the memory broker
    std::vector<std::unique_ptr<worker>> workers;
    std::unique_ptr<disconnect_relay> disconnects;
    std::optional<tcp::acceptor> acceptor;
    std::unique_ptr<admin_listener> admin;      // only with admin_listen
    std::shared_ptr<revalidator> revalidation;  // only with directory.http.revalidate_ms
    tls_context_slot tls;                       // only with tls
    std::uint16_t port = 0;
    bool started = false;
    bool stopped = false;
};

server::server(config::server_config config, std::shared_ptr<const auth::directory> directory)
    : impl_(std::make_unique<impl>(std::move(config), std::move(directory))) {}

server::~server() {
    stop();
}

void server::start() {
    if (impl_->started) return;
    const auto& cfg = impl_->state.config;
    const auto endpoint = resolve_listen(cfg.listen_host, cfg.listen_port);
    if (cfg.tls) {
        auto loaded = load_server_tls(*cfg.tls);
        if (!loaded.context) throw std::runtime_error(loaded.message);
        impl_->tls.set(std::move(loaded.context));
    }
    auto& acceptor = *impl_->acceptor;
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    impl_->port = acceptor.local_endpoint().port();
    if (cfg.admin_listen)
        impl_->admin = std::make_unique<admin_listener>(*impl_->workers.front(), *cfg.admin_listen);
    impl_->started = true;
    if (impl_->broker) impl_->broker->start();
    impl_->disconnects->start();

    asio::co_spawn(acceptor.get_executor(),
                   accept_loop(acceptor, impl_->workers, impl_->state,
                               cfg.tls ? &impl_->tls : nullptr, impl_->handshakes),
                   log_failure);
    asio::co_spawn(impl_->workers.front()->context(), sweep_loop(impl_->state), log_failure);
    for (auto& w : impl_->workers)
        w->start();
    if (impl_->revalidation) impl_->revalidation->start();
}

std::uint16_t server::port() const {
    return impl_->port;
}

std::uint16_t server::admin_port() const {
    return impl_->admin ? impl_->admin->port() : 0;
}

void server::stop(std::chrono::milliseconds grace) {
    if (!impl_->started || impl_->stopped) return;
    impl_->stopped = true;
    auto& state = impl_->state;
    state.stopping.store(true);
    // Close the listening socket on its own executor and wait for it, so the port is released
    // before stop() returns (new clients are refused, not left in the backlog).
    std::promise<void> closed;
    asio::post(impl_->acceptor->get_executor(), [this, &closed] {
        beast::error_code ignored;
        impl_->acceptor->close(ignored);
        closed.set_value();
    });
    closed.get_future().wait();
    for (auto& w : impl_->workers)
        w->close_all(protocol::close_code::going_away, "server shutting down");
    state.wait_until_closed(grace);
    if (impl_->admin) impl_->admin->close();  // after the grace: /readyz answered 503 until now
    if (impl_->revalidation) impl_->revalidation->stop();
    // Lookups still waiting on an async directory are failed now, while the workers can still
    // take the answers: none may arrive after a worker (and its coroutines) is gone.
    if (const auto dir = state.directory(); const auto* async_dir = dir->async()) {
        async_dir->shutdown();
    }
    // Likewise the broker: its pending answers are failed while the workers can take them.
    if (impl_->broker) impl_->broker->stop();
    for (auto& w : impl_->workers)
        w->stop();
    for (auto& w : impl_->workers)
        w->join();
}

void server::reload_directory(std::shared_ptr<const auth::directory> directory) {
    impl_->state.set_directory(directory);
    // Open connections are checked against the new directory on their own threads.
    for (auto& w : impl_->workers)
        w->for_each_connection([directory](ws_connection& c) { c.recheck(*directory); });
}

void server::pause_upgrades_for_test(std::function<void(std::function<void()>)> pause) {
    impl_->state.set_upgrade_pause(std::move(pause));
}

std::string server::reload_tls(const config::tls_settings& tls) {
    if (!impl_->state.config.tls) return "tls: not enabled at start-up; a restart is needed";
    auto loaded = load_server_tls(tls);
    if (!loaded.context) return loaded.message;
    impl_->tls.set(std::move(loaded.context));
    return {};
}

hub::hub& server::hub() {
    return impl_->state.hub;
}

const config::server_config& server::config() const {
    return impl_->state.config;
}

server_stats server::stats() const {
    return impl_->state.counters.snapshot();
}

}  // namespace kata::server
