#include "load/publisher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <cmath>

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

    publish_client client(executor, sc.publish_url, sc.api_key, std::chrono::seconds(5), sc.tls);
    asio::steady_timer timer(executor);
    std::uint64_t k = 0;
    auto last_wake = clock_type::time_point::min();
    std::vector<std::size_t> channel_of_batch;
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

        // Everything due by now, up to one batch.
        std::string body = "{\"events\":[";
        channel_of_batch.clear();
        for (; k < total && scheduled(k) <= now &&
               channel_of_batch.size() < protocol::max_publish_batch;
             ++k) {
            const std::size_t c = k % sc.channels;
            const std::uint64_t seq = state.events_sent[c]++;
            const auto t =
                start_unix_us +
                static_cast<std::int64_t>(std::llround(static_cast<double>(k) * interval_s * 1e6));
            if (!channel_of_batch.empty()) body += ',';
            body +=
                "{\"channel\":\"" + sc.channel_name(c) +
                "\",\"type\":\"log_entry\",\"payload\":" + make_payload(seq, t, sc.payload_bytes) +
                "}";
            channel_of_batch.push_back(c);
        }
        body += "]}";
        if (channel_of_batch.empty()) continue;

        ++state.publish_requests;
        const auto n = channel_of_batch.size();
        try {
            const auto reply = co_await client.post(std::move(body));
            if (reply.status == 200) {
                for (auto c : channel_of_batch)
                    ++state.events_accepted[c];
            } else {
                state.publish_failed(
                    n, "HTTP " + std::to_string(reply.status) + ": " + error_message_of(reply));
            }
        } catch (const boost::system::system_error& e) {
            state.publish_failed(n, sc.publish_url.str() + ": " + e.code().message());
        } catch (const tls_failure& e) {
            state.publish_failed(n, sc.publish_url.str() + ": " + e.what());
        }
    }
    // The schedule promised these: give them sequence numbers so they count as lost.
    if (k < total) {
        const std::uint64_t unsent = total - k;
        for (; k < total; ++k)
            ++state.events_sent[k % sc.channels];
        state.publish_failed(unsent, "publisher fell behind schedule or was stopped");
    }
    client.close();
}

}  // namespace kata::load
