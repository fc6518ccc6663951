#include "load/runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <numeric>

#include "load/load_client.hpp"
#include "load/process_limits.hpp"
#include "load/progress.hpp"
#include "load/publisher.hpp"

namespace kata::load {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> sleep_until(asio::steady_timer& timer, clock_type::time_point t) {
    timer.expires_at(t);
    co_await timer.async_wait(use_tuple);
}

// Phases of a run, for the progress line.
struct run_clock {
    clock_type::time_point begin = clock_type::now();
    std::string phase = "connecting";
};

}  // namespace

run_outcome run_loadtest(const scenario& sc) {
    asio::io_context io(1);
    run_state state(sc.connections, sc.channels);
    load_client client(io.get_executor(), sc, state);
    progress_printer progress(stderr);
    run_clock rc;
    bool finished = false;
    std::optional<std::uint64_t> rss;
    auto sample_rss = [&] {
        if (!sc.server_pid) return;
        if (auto now = peak_rss_kb(*sc.server_pid)) rss = now;  // keep the last good reading
    };

    clock_type::time_point publish_begin{}, publish_end{}, drain_end{};

    // Once a second: the progress line and an RSS sample (a server that dies keeps its last).
    auto ticker = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        auto next = rc.begin + 1s;
        while (!finished) {
            co_await sleep_until(timer, next);
            if (finished) break;
            sample_rss();
            progress.tick(rc.phase, clock_type::now() - rc.begin, state, sc.connections);
            next += 1s;
        }
    };

    auto orchestrate = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        client.start(rc.begin);

        // Phase 1: every connection subscribed or failed, bounded by ramp + connect timeout.
        const auto settle_deadline = rc.begin + sc.ramp + sc.connect_timeout;
        while (state.settled < sc.connections && clock_type::now() < settle_deadline) {
            co_await sleep_until(timer, std::min(clock_type::now() + 10ms, settle_deadline));
        }
        if (state.subscribed > 0) {
            // Phase 2: publish on schedule; it may overrun the duration by at most the drain.
            rc.phase = "publishing";
            publish_begin = clock_type::now() + 10ms;
            // --churn runs beside the publisher, on the same schedule origin, and stops at the
            // end of the duration (or when the run starts closing).
            if (sc.churn > 0) asio::co_spawn(io, client.run_churn(publish_begin), asio::detached);
            co_await run_publisher(io.get_executor(), sc, state, publish_begin,
                                   publish_begin + sc.duration + sc.drain);
            publish_end = clock_type::now();
            // Hold the connections for the whole duration even when there is little (or
            // nothing, --rate 0) to publish: holding them is part of the test.
            if (publish_end < publish_begin + sc.duration && !state.stopping) {
                co_await sleep_until(timer, publish_begin + sc.duration);
            }

            // Phase 3: wait for the deliveries still owed to open connections, and for the
            // connections --churn cut last to resume.
            rc.phase = "draining";
            const auto drain_deadline = publish_end + sc.drain;
            while ((state.outstanding() > 0 || state.resuming() > 0) &&
                   clock_type::now() < drain_deadline) {
                co_await sleep_until(timer, std::min(clock_type::now() + 10ms, drain_deadline));
            }
            drain_end = clock_type::now();
        }

        // Phase 4: close everything ourselves; these closes are not disconnects.
        rc.phase = "closing";
        state.stopping = true;
        co_await client.close_all(sc.close_grace);
        finished = true;
        io.stop();
    };

    asio::co_spawn(io, ticker(), asio::detached);
    asio::co_spawn(io, orchestrate(), [&](std::exception_ptr e) {
        finished = true;
        io.stop();
        if (e) std::rethrow_exception(e);
    });
    io.run();
    progress.finish();
    sample_rss();

    run_outcome out;
    report& r = out.result;
    r.url = sc.ws_url.str();
    r.connections = sc.connections;
    r.channels = sc.channels;
    r.rate = sc.rate;
    r.duration_s = std::chrono::duration<double>(sc.duration).count();
    r.ramp_s = std::chrono::duration<double>(sc.ramp).count();
    r.payload_bytes = sc.payload_bytes;
    r.churn_rate = sc.churn;
    r.connected = state.subscribed;
    r.connect_failed = sc.connections - state.subscribed;
    r.first_connect_error = state.first_connect_error;
    r.connect_latency = state.connect_latency;
    r.disconnects = state.disconnects;
    r.events_sent =
        std::accumulate(state.events_sent.begin(), state.events_sent.end(), std::uint64_t{0});
    r.events_failed = state.events_failed;
    r.publish_requests = state.publish_requests;
    r.first_publish_error = state.first_publish_error;
    r.publish_elapsed_s = std::chrono::duration<double>(publish_end - publish_begin).count();
    r.deliveries = total_deliveries(state.events_sent, state.channel_of, state.tallies);
    r.latency = state.latency;
    r.delivery_elapsed_s = std::chrono::duration<double>(drain_end - publish_begin).count();
    r.churned = state.churned;
    r.resumed = state.resumed;
    r.unrecovered = state.unrecovered;
    r.reconnect_failed = state.reconnect_failed;
    r.churn_skipped = state.churn_skipped;
    r.first_reconnect_error = state.first_reconnect_error;
    r.reconnect_latency = state.reconnect_latency;
    r.server_peak_rss_kb = rss;
    r.server_rss_note = sc.server_rss_note;

    if (state.subscribed == 0) {
        out.not_run_reason = "no connection subscribed" +
                             (state.first_connect_error.empty()
                                  ? std::string()
                                  : " (first failure: " + state.first_connect_error + ")");
    } else if (r.events_sent > 0 && r.events_failed == r.events_sent) {
        out.not_run_reason = "the server accepted no event" +
                             (state.first_publish_error.empty()
                                  ? std::string()
                                  : " (first failure: " + state.first_publish_error + ")");
    }
    return out;
}

}  // namespace kata::load
