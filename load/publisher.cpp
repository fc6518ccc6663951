#include "load/publisher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <cmath>
#include <memory>
#include <vector>

#include "core/protocol/publish_request.hpp"
#include "load/payload.hpp"
#include "load/publish_client.hpp"

namespace kata::load {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

asio::awaitable<void> run_publisher(asio::any_io_executor executor, const scenario& sc,
                                    publish_state& state, clock_type::time_point start,
                                    clock_type::time_point deadline) {
    const auto total = static_cast<std::uint64_t>(
        std::floor(sc.rate * std::chrono::duration<double>(sc.duration).count()));
    if (total == 0) co_return;
    const double interval_s = 1.0 / sc.rate;
    // Scheduled times are written in Unix microseconds, the clock the readers compare against.
    const std::int64_t start_unix_us =
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch() + (start - clock_type::now()))
            .count();
    auto scheduled = [&](std::uint64_t k) {
        return start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(static_cast<double>(k) * interval_s));
    };

    // One keep-alive client per node (--url). Each wake-up's batch goes to the next node in turn;
    // with --pin-channels each event goes to its channel's node instead, one POST per node. The
    // POSTs of a wake-up go one after another, so events of a channel reach the gateway in order
    // whichever node takes them.
    const std::size_t nodes = sc.node_count();
    std::vector<std::unique_ptr<publish_client>> clients;
    for (std::size_t n = 0; n < nodes; ++n) {
        clients.push_back(
            std::make_unique<publish_client>(executor, publish_url_for(sc.node_url(n)), sc.api_key,
                                             std::chrono::seconds(5), sc.tls));
    }
    struct node_batch {
        std::string body;
        std::vector<std::size_t> channels;  // of each event in the body, in order
    };
    std::vector<node_batch> batches(nodes);
    std::size_t turn = 0;
    asio::steady_timer timer(executor);
    std::uint64_t k = 0;
    auto last_wake = clock_type::time_point::min();
    while (k < total) {
        const auto wake = std::max(scheduled(k), last_wake == clock_type::time_point::min()
                                                     ? scheduled(k)
                                                     : last_wake + sc.publish_tick);
        if (wake > clock_type::now()) {
            timer.expires_at(std::min(wake, deadline));
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        const auto now = clock_type::now();
        if (now >= deadline || state.stopping) break;
        last_wake = now;

        // Everything due by now, up to one batch per node.
        for (auto& b : batches) {
            b.body = "{\"events\":[";
            b.channels.clear();
        }
        const std::size_t whole_batch_node = turn++ % nodes;
        for (; k < total && scheduled(k) <= now; ++k) {
            const std::size_t c = k % sc.channels;
            auto& b = batches[sc.pin_channels ? c % nodes : whole_batch_node];
            if (b.channels.size() == protocol::max_publish_batch) break;
            const std::uint64_t seq = state.events_sent[c]++;
            const auto t =
                start_unix_us +
                static_cast<std::int64_t>(std::llround(static_cast<double>(k) * interval_s * 1e6));
            if (!b.channels.empty()) b.body += ',';
            b.body += "{\"channel\":\"" + sc.channel_name(c) +
                      "\",\"type\":\"log_entry\",\"payload\":" +
                      make_payload(seq, t, sc.payload_bytes, sc.log_payload) + "}";
            b.channels.push_back(c);
        }

        for (std::size_t node = 0; node < nodes; ++node) {
            auto& b = batches[node];
            if (b.channels.empty()) continue;
            b.body += "]}";
            ++state.publish_requests;
            const auto n = b.channels.size();
            try {
                const auto reply = co_await clients[node]->post(std::move(b.body));
                if (reply.status == 200) {
                    for (auto c : b.channels)
                        ++state.events_accepted[c];
                } else {
                    state.publish_failed(
                        n, "HTTP " + std::to_string(reply.status) + ": " + error_message_of(reply));
                }
            } catch (const boost::system::system_error& e) {
                state.publish_failed(
                    n, publish_url_for(sc.node_url(node)).str() + ": " + e.code().message());
            } catch (const tls_failure& e) {
                state.publish_failed(n, publish_url_for(sc.node_url(node)).str() + ": " + e.what());
            }
        }
    }
    // The schedule promised these: give them sequence numbers so they count as lost.
    if (k < total) {
        const std::uint64_t unsent = total - k;
        for (; k < total; ++k)
            ++state.events_sent[k % sc.channels];
        state.publish_failed(unsent, "publisher fell behind schedule or was stopped");
    }
    for (auto& c : clients)
        c->close();
}

}  // namespace kata::load
