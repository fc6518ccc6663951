#include "load/runner.hpp"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "load/churn.hpp"
#include "load/nodes.hpp"
#include "load/process_limits.hpp"
#include "load/progress.hpp"
#include "load/publisher.hpp"
#include "load/subscriber_threads.hpp"

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

// What the server's CPU clock read at the start of the run and at the last sample (a server that
// dies keeps its last reading).
struct server_cpu_samples {
    std::optional<cpu_time> first, last;
    void sample(pid_t pid) {
        if (auto now = process_cpu_of(pid)) (first ? last : first) = now;
    }
};

// --churn: on a constant schedule from `start`, cuts a random connection (on any thread); ends
// after floor(churn * duration) cuts, or when the run is stopping.
asio::awaitable<void> run_churn(const scenario& sc, subscriber_threads& subs, const bool& stopping,
                                std::uint64_t& skipped, clock_type::time_point start) {
    const std::uint64_t total = planned_churns(sc.churn, sc.duration);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    std::mt19937_64 rng(std::random_device{}());
    for (std::uint64_t k = 1; k <= total; ++k) {
        co_await sleep_until(timer, start + churn_offset(sc.churn, k));
        if (stopping) co_return;
        if (!co_await subs.cut_one(rng)) ++skipped;
    }
}

// The subscriber threads' records, merged into the report.
void merge_subscribers(report& r, const subscriber_threads& subs, const publish_state& pub) {
    for (const subscriber_state* s : subs.states()) {
        r.connected += s->subscribed;
        if (r.first_connect_error.empty()) r.first_connect_error = s->first_connect_error;
        r.connect_latency.merge(s->connect_latency);
        r.upgrade_latency.merge(s->upgrade_latency);
        r.subscribe_latency.merge(s->subscribe_latency);
        for (const auto& [code, n] : s->disconnects)
            r.disconnects[code] += n;
        const auto d = total_deliveries(pub.events_sent, s->channel_of, s->tallies);
        r.deliveries.expected += d.expected;
        r.deliveries.delivered += d.delivered;
        r.deliveries.lost += d.lost;
        r.deliveries.duplicated += d.duplicated;
        r.deliveries.reordered += d.reordered;
        r.deliveries.unexpected += d.unexpected;
        r.latency.merge(s->latency);
        r.wire_bytes += s->wire_bytes;
        r.message_bytes += s->message_bytes;
        r.churned += s->churned;
        r.resumed += s->resumed;
        r.unrecovered += s->unrecovered;
        r.reconnect_failed += s->reconnect_failed;
        if (r.first_reconnect_error.empty()) r.first_reconnect_error = s->first_reconnect_error;
        r.reconnect_latency.merge(s->reconnect_latency);
    }
}

}  // namespace

run_outcome run_loadtest(const scenario& sc) {
    const auto process_begin = process_cpu();
    const auto control_begin = thread_cpu();
    // An embedded server shares this process: its CPU is the process's minus our threads'.
    const bool server_in_process = sc.server_pid && *sc.server_pid == getpid();
    server_cpu_samples server_cpu;
    subscriber_threads subs(sc);
    asio::io_context io(1);  // the control thread: publisher, churn schedule, progress, phases
    publish_state pub(sc.channels);
    progress_printer progress(stderr);
    run_clock rc;
    bool finished = false;
    std::uint64_t churn_skipped = 0;
    std::optional<std::uint64_t> rss;
    auto sample_server = [&] {
        if (!sc.server_pid) return;
        if (auto now = peak_rss_kb(*sc.server_pid)) rss = now;  // keep the last good reading
        if (!server_in_process) server_cpu.sample(*sc.server_pid);
    };
    sample_server();

    clock_type::time_point publish_begin{}, publish_end{}, drain_end{};

    // Once a second: the progress line and a sample of the server (a server that dies keeps its
    // last).
    auto ticker = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        auto next = rc.begin + 1s;
        while (!finished) {
            co_await sleep_until(timer, next);
            if (finished) break;
            sample_server();
            const auto live = co_await subs.counts(nullptr, true);
            progress.tick(rc.phase, clock_type::now() - rc.begin, live, pub, sc.connections);
            next += 1s;
        }
    };

    auto orchestrate = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io);
        subs.start(rc.begin);

        // Phase 1: every connection subscribed or failed, bounded by ramp + connect timeout.
        const auto settle_deadline = rc.begin + sc.ramp + sc.connect_timeout;
        auto live = co_await subs.counts(nullptr, false);
        while (live.settled < sc.connections && clock_type::now() < settle_deadline) {
            co_await sleep_until(timer, std::min(clock_type::now() + 10ms, settle_deadline));
            live = co_await subs.counts(nullptr, false);
        }
        if (live.subscribed > 0) {
            // Phase 2: publish on schedule; it may overrun the duration by at most the drain.
            rc.phase = "publishing";
            publish_begin = clock_type::now() + 10ms;
            // --churn runs beside the publisher, on the same schedule origin, and stops at the
            // end of the duration (or when the run starts closing).
            if (sc.churn > 0) {
                asio::co_spawn(io, run_churn(sc, subs, pub.stopping, churn_skipped, publish_begin),
                               asio::detached);
            }
            co_await run_publisher(io.get_executor(), sc, pub, publish_begin,
                                   publish_begin + sc.duration + sc.drain);
            publish_end = clock_type::now();
            // Hold the connections for the whole duration even when there is little (or
            // nothing, --rate 0) to publish: holding them is part of the test.
            if (publish_end < publish_begin + sc.duration && !pub.stopping) {
                co_await sleep_until(timer, publish_begin + sc.duration);
            }

            // Phase 3: wait for the deliveries still owed to open connections, and for the
            // connections --churn cut last to resume.
            rc.phase = "draining";
            const auto drain_deadline = publish_end + sc.drain;
            for (;;) {
                live = co_await subs.counts(&pub.events_accepted, false);
                if ((live.outstanding == 0 && live.resuming == 0) ||
                    clock_type::now() >= drain_deadline)
                    break;
                co_await sleep_until(timer, std::min(clock_type::now() + 10ms, drain_deadline));
            }
            drain_end = clock_type::now();
        }

        // Phase 4: close everything ourselves; these closes are not disconnects. Whatever has
        // not closed within the grace is cut, so the run ends on time.
        rc.phase = "closing";
        pub.stopping = true;
        co_await subs.begin_close();
        const auto close_deadline = clock_type::now() + sc.close_grace;
        while ((co_await subs.counts(nullptr, false)).closing > 0 &&
               clock_type::now() < close_deadline) {
            co_await sleep_until(timer, std::min(clock_type::now() + 10ms, close_deadline));
        }
        co_await subs.cut_all();
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
    subs.stop();
    progress.finish();
    sample_server();

    run_outcome out;
    report& r = out.result;
    r.url = nodes_text(sc);
    for (std::size_t k = 0; k < sc.node_count(); ++k)
        r.nodes.emplace_back(sc.node_url(k).str(), 0);
    for (const subscriber_state* s : subs.states()) {
        for (std::size_t k = 0; k < s->upgraded_on_node.size() && k < r.nodes.size(); ++k)
            r.nodes[k].second += s->upgraded_on_node[k];
    }
    r.connections = sc.connections;
    r.channels = sc.channels;
    r.rate = sc.rate;
    r.duration_s = std::chrono::duration<double>(sc.duration).count();
    r.ramp_s = std::chrono::duration<double>(sc.ramp).count();
    r.payload_bytes = sc.payload_bytes;
    r.churn_rate = sc.churn;
    merge_subscribers(r, subs, pub);
    r.connect_failed = sc.connections - r.connected;
    r.events_sent = pub.total_sent();
    r.events_failed = pub.events_failed;
    r.publish_requests = pub.publish_requests;
    r.first_publish_error = pub.first_publish_error;
    r.publish_elapsed_s = std::chrono::duration<double>(publish_end - publish_begin).count();
    r.delivery_elapsed_s = std::chrono::duration<double>(drain_end - publish_begin).count();
    r.churn_skipped = churn_skipped;
    r.server_peak_rss_kb = rss;
    r.server_rss_note = sc.server_rss_note;
    r.deflate = sc.deflate;

    // CPU: our threads' own clocks, so the figure holds whatever else runs in the process.
    r.run_wall_s = std::chrono::duration<double>(clock_type::now() - rc.begin).count();
    r.load_cpu = thread_cpu() - control_begin;
    r.load_threads = subs.states().size();
    for (const auto& t : subs.thread_cpu()) {
        r.load_cpu = r.load_cpu + t;
        if (r.run_wall_s > 0)
            r.busiest_thread_share = std::max(r.busiest_thread_share, t.total_s() / r.run_wall_s);
    }
    r.process_cpu = process_cpu() - process_begin;
    if (server_in_process) {
        // Clamped: the two clocks tick at different granularities.
        r.server_cpu = cpu_time{std::max(0.0, r.process_cpu.user_s - r.load_cpu.user_s),
                                std::max(0.0, r.process_cpu.sys_s - r.load_cpu.sys_s)};
        r.server_cpu_note = "embedded: this process minus the load client's threads";
    } else if (server_cpu.first && server_cpu.last) {
        r.server_cpu = *server_cpu.last - *server_cpu.first;
        r.server_cpu_note = "pid " + std::to_string(*sc.server_pid) + ", /proc/PID/stat";
    }

    if (r.connected == 0) {
        out.not_run_reason =
            "no connection subscribed" + (r.first_connect_error.empty()
                                              ? std::string()
                                              : " (first failure: " + r.first_connect_error + ")");
    } else if (r.events_sent > 0 && r.events_failed == r.events_sent) {
        out.not_run_reason =
            "the server accepted no event" +
            (pub.first_publish_error.empty() ? std::string()
                                             : " (first failure: " + pub.first_publish_error + ")");
    }
    return out;
}

}  // namespace kata::load
