#include "load/progress.hpp"

#include <unistd.h>

#include <string>

#include "load/threshold.hpp"

namespace kata::load {

progress_printer::progress_printer(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

void progress_printer::tick(const std::string& phase, std::chrono::steady_clock::duration elapsed,
                            const live_counts& live, const publish_state& published,
                            std::size_t connections) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    const double span = std::chrono::duration<double>(elapsed - last_elapsed_).count();
    const std::uint64_t sent = published.total_sent();
    const double deliveries_per_s =
        span > 0 ? static_cast<double>(live.deliveries - last_deliveries_) / span : 0.0;
    const double sent_per_s = span > 0 ? static_cast<double>(sent - last_sent_) / span : 0.0;
    const std::string p99 = !live.latency_interval || live.latency_interval->count() == 0
                                ? "-"
                                : format_micros(live.latency_interval->percentile(99));
    std::string churn;
    if (live.churned > 0) {
        churn = "  churned " + std::to_string(live.churned) + " (recovered:false " +
                std::to_string(live.unrecovered) + ")";
    }
    std::fprintf(out_,
                 "%s[%5.1fs] %-10s subscribed %zu/%zu failed %zu  sent %llu (%.0f/s, failed %llu)"
                 "  delivered %llu (%.0f/s)  p99 %s  disconnects %llu%s%s",
                 tty_ ? "\r" : "", seconds, phase.c_str(), live.subscribed, connections,
                 live.settled - live.subscribed, static_cast<unsigned long long>(sent), sent_per_s,
                 static_cast<unsigned long long>(published.events_failed),
                 static_cast<unsigned long long>(live.deliveries), deliveries_per_s, p99.c_str(),
                 static_cast<unsigned long long>(live.disconnects), churn.c_str(),
                 tty_ ? "\x1b[K" : "\n");
    std::fflush(out_);
    dirty_ = tty_;
    last_deliveries_ = live.deliveries;
    last_sent_ = sent;
    last_elapsed_ = elapsed;
}

void progress_printer::finish() {
    if (dirty_) std::fputc('\n', out_);
    dirty_ = false;
    std::fflush(out_);
}

}  // namespace kata::load
