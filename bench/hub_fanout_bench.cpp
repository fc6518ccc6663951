// In-process fanout: one event published to a channel with N subscribers on one worker thread.
// Reports deliveries/s and the heap allocations per delivery, the two numbers of the fanout goal
// (≤ 20 ns per subscriber at 1,000 and no allocation per subscriber per event). Measured: the
// hub's own cost (serializing and framing once, the channel lock, history), the thread-local
// fanout doing per subscriber what ws_connection::push_event does (below), and gathering each
// outbox for its write; not the write itself: the sendmsg and the per-write accounting beside it
// (one clock read and the delivery-latency histogram, flush_now's `account`) are counted with the
// system call they belong to, in the loopback benchmark and the loadtest.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "core/hub/hub.hpp"
#include "core/hub/local_fanout.hpp"
#include "core/server/ws/outbox.hpp"
#include "load/log_corpus.hpp"

namespace {

// Every allocation of this program goes through here. Counting is relaxed: the benchmark reads
// the counter on its own thread, before and after the timed loop.
std::atomic<std::size_t> allocation_count{0};

void* counted_alloc(std::size_t size) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t size, std::align_val_t align) {
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    const auto a = static_cast<std::size_t>(align);
    // aligned_alloc wants a size that is a multiple of the alignment.
    if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) {
    return counted_alloc(size);
}
void* operator new[](std::size_t size) {
    return counted_alloc(size);
}
void* operator new(std::size_t size, std::align_val_t align) {
    return counted_aligned_alloc(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
    return counted_aligned_alloc(size, align);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}

namespace {

namespace hub = kata::hub;
namespace protocol = kata::protocol;

// A connection as the worker's fanout sees it, step for step what ws_connection::push_event and
// worker::mark_dirty do per subscriber: the state checks, "queued since" from the turn's clock
// when the outbox was empty, the outbox append (borrowed, bounded), and the dirty mark with the
// worker's "flush posted" check. The write itself (a syscall) is the kernel's cost, not the
// fanout's; here it is "written" by gathering and consuming the outbox as flush_now does.
struct turn_state {
    std::vector<class outbox_target*> dirty;
    bool flush_posted = false;
    std::chrono::steady_clock::time_point started{};
};

class outbox_target final : public hub::delivery_target {
  public:
    explicit outbox_target(turn_state& turn, bool deflate = false)
        : out_(1 << 20), turn_(&turn), deflate_(deflate) {}
    void push_event(const hub::frame& f) override {
        if (ended_ || overflowed_ || closing_) return;
        if (out_.empty()) queued_since_ = turn_->started;
        if (!out_.push_borrowed(f, deflate_)) overflowed_ = true;
        if (marked_) return;
        marked_ = true;
        turn_->dirty.push_back(this);
        if (!turn_->flush_posted) turn_->flush_posted = true;
    }
    void missed_events() override { overflowed_ = true; }
    void write_all() {
        marked_ = false;
        std::size_t bytes = 0;
        iovec iov[64];
        while (!out_.empty()) {
            const auto n = out_.gather(iov, 64);
            std::size_t chunk = 0;
            for (std::size_t i = 0; i < n; ++i)
                chunk += iov[i].iov_len;
            out_.consume(chunk);
            bytes += chunk;
        }
        bytes_ += bytes;
        ++frames_;
    }
    std::size_t frames() const { return frames_; }
    std::size_t bytes() const { return bytes_; }

  private:
    kata::server::outbox out_;
    turn_state* turn_;
    bool deflate_;
    std::chrono::steady_clock::time_point queued_since_{};
    bool marked_ = false;
    bool ended_ = false;
    bool overflowed_ = false;
    bool closing_ = false;
    std::size_t frames_ = 0;
    std::size_t bytes_ = 0;
};

// One worker thread's share of a publish, minus the inbox hop: the hub calls it under the
// channel lock and it runs the thread-local fanout at once.
class thread_sink final : public hub::subscriber {
  public:
    explicit thread_sink(turn_state& t) : state(&t) {}
    void deliver(const hub::channel& ch, std::uint64_t sequence, const hub::frame& f) override {
        turn.push_back(f);  // held until the outboxes are written, as the worker's inbox does
        state->started = std::chrono::steady_clock::now();  // once per turn, as worker::drain
        fanout.deliver(&ch, sequence, f);
    }
    turn_state* state;
    hub::local_fanout fanout;
    std::vector<hub::frame> turn;
};

// A typical small event: what a status change looks like on the wire.
constexpr std::string_view payload = R"({"status":"running","agent":"a-123","progress":0.42})";

void BM_HubFanout(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    hub::hub h;  // default history limits, as the server runs
    const protocol::channel_name channel{protocol::channel_family::agent, "a-123"};
    turn_state turn;
    thread_sink sink(turn);
    turn.dirty.reserve(n);
    std::vector<std::unique_ptr<outbox_target>> targets;
    auto att = h.attach(channel, &sink, std::nullopt);
    for (std::size_t i = 0; i < n; ++i) {
        targets.push_back(std::make_unique<outbox_target>(turn));
        sink.fanout.add(att.ch, targets.back().get(), att.after_sequence);
    }
    sink.turn.reserve(4);
    const auto flush = [&] {
        turn.flush_posted = false;
        for (auto* t : turn.dirty)
            t->write_all();
        turn.dirty.clear();
        sink.turn.clear();
    };
    // Fill the history ring first, so the timed loop sees its steady state (evicting one old
    // event per new one) rather than its growth; and warm every outbox's storage.
    for (int i = 0; i < 1100; ++i) {
        h.publish(channel, "agent_status_changed", payload);
        flush();
    }

    const auto before = allocation_count.load(std::memory_order_relaxed);
    for (auto _ : state) {
        benchmark::DoNotOptimize(h.publish(channel, "agent_status_changed", payload));
        flush();
    }
    const auto allocations = allocation_count.load(std::memory_order_relaxed) - before;

    const auto events = static_cast<double>(state.iterations());
    const auto deliveries = events * static_cast<double>(n);
    state.SetItemsProcessed(static_cast<std::int64_t>(deliveries));
    state.counters["allocs_per_delivery"] = static_cast<double>(allocations) / deliveries;
    state.counters["allocs_per_event"] = static_cast<double>(allocations) / events;
    // Seconds per delivery, shown with an SI prefix (e.g. 3.1n = 3.1 ns).
    state.counters["time_per_delivery"] =
        benchmark::Counter(deliveries, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);

    for (const auto& t : targets) {
        if (t->frames() < static_cast<std::size_t>(state.iterations()))
            state.SkipWithError("a subscriber missed events");
    }
    for (auto& t : targets)
        sink.fanout.remove(att.ch.get(), t.get());
    h.detach(*att.ch, &sink);
}

BENCHMARK(BM_HubFanout)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

// JSON string text of `raw` (quotes, backslashes and control characters escaped).
std::string json_text(std::string_view raw) {
    std::string out;
    for (const char ch : raw) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (ch == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(ch) < 0x20) {
            char u[8];
            std::snprintf(u, sizeof u, "\\u%04x", static_cast<unsigned>(ch));
            out += u;
        } else {
            out += ch;
        }
    }
    return out;
}

// 256 log payloads of `bytes` of log text each: from the generated log corpus, or, when
// KATA_RT_LOG_CORPUS names a file (captured build or test output, say), consecutive pieces of
// that file (cycling through it; escaping may add a few bytes). Empty if the file cannot be read.
std::vector<std::string> log_payloads(std::size_t bytes) {
    std::vector<std::string> payloads;
    if (const char* path = std::getenv("KATA_RT_LOG_CORPUS")) {
        std::ifstream in(path, std::ios::binary);
        const std::string text{std::istreambuf_iterator<char>(in), {}};
        if (text.size() < bytes) return payloads;
        for (std::size_t i = 0, pos = 0; i < 256; ++i, pos += bytes) {
            if (pos + bytes > text.size()) pos = 0;
            payloads.push_back(R"({"line":")" + json_text({text.data() + pos, bytes}) + R"("})");
        }
        return payloads;
    }
    kata::load::log_corpus corpus;
    for (int i = 0; i < 256; ++i)
        payloads.push_back(R"({"line":")" + corpus.text(bytes) + R"("})");
    return payloads;
}

// A log event (the log corpus: one agent's lines, different every time, of the given size) to N
// subscribers, all of them with permessage-deflate at the given libdeflate level (deflate_level
// 1-12) or none of them (0): the event is compressed once per publish, whatever N. Also reports
// the bytes each subscriber is sent per event (frame header and envelope included), the
// wire-size figure of docs/performance.md.
void BM_HubFanoutLog(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const bool deflate = state.range(1) != 0;
    const auto line_bytes = static_cast<std::size_t>(state.range(2));
    const auto payloads = log_payloads(line_bytes);
    if (payloads.empty()) return state.SkipWithError("KATA_RT_LOG_CORPUS: unreadable or short");
    hub::hub_settings settings;
    settings.compression.level = deflate ? static_cast<int>(state.range(1)) : 1;
    hub::hub h(settings);
    const protocol::channel_name channel{protocol::channel_family::agent, "a-123"};
    turn_state turn;
    thread_sink sink(turn);
    turn.dirty.reserve(n);
    std::vector<std::unique_ptr<outbox_target>> targets;
    auto att = h.attach(channel, &sink, std::nullopt);
    for (std::size_t i = 0; i < n; ++i) {
        targets.push_back(std::make_unique<outbox_target>(turn, deflate));
        sink.fanout.add(att.ch, targets.back().get(), att.after_sequence);
    }
    att.ch->add_connections(static_cast<std::ptrdiff_t>(n), deflate);
    const auto flush = [&] {
        turn.flush_posted = false;
        for (auto* t : turn.dirty)
            t->write_all();
        turn.dirty.clear();
        sink.turn.clear();
    };
    std::size_t k = 0;
    for (int i = 0; i < 1100; ++i) {
        h.publish(channel, "log_entry", payloads[k++ % payloads.size()]);
        flush();
    }
    const auto bytes_before = targets[0]->bytes();
    const auto compressions_before = h.compressions.load();
    for (auto _ : state) {
        benchmark::DoNotOptimize(h.publish(channel, "log_entry", payloads[k++ % payloads.size()]));
        flush();
    }
    const auto events = static_cast<double>(state.iterations());
    const auto deliveries = events * static_cast<double>(n);
    state.SetItemsProcessed(static_cast<std::int64_t>(deliveries));
    state.counters["time_per_delivery"] =
        benchmark::Counter(deliveries, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["wire_bytes_per_event"] =
        static_cast<double>(targets[0]->bytes() - bytes_before) / events;
    state.counters["compressions_per_event"] =
        static_cast<double>(h.compressions.load() - compressions_before) / events;
    for (auto& t : targets)
        sink.fanout.remove(att.ch.get(), t.get());
    att.ch->add_connections(-static_cast<std::ptrdiff_t>(n), deflate);
    h.detach(*att.ch, &sink);
}

// Plain, the default level 1 and level 6, for the speed against ratio of docs/performance.md.
BENCHMARK(BM_HubFanoutLog)
    ->ArgNames({"subscribers", "deflate_level", "line_bytes"})
    ->ArgsProduct({{1000}, {0, 1, 6}, {512, 2048, 8192}});

}  // namespace
