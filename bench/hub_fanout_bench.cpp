// In-process fanout: one event published to a channel with N subscribers. Reports deliveries/s
// and the heap allocations per delivery, the two numbers of the fanout goal (≤ 50 ns and no
// allocation per subscriber per event). The subscribers only count what they get, so this is
// the hub's own cost: serializing once, the channel lock, and the pointer handed to each.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "core/hub/hub.hpp"

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

// The cheapest subscriber that still looks at what it gets; a WebSocket session queues the
// frame instead, which is the session's cost, not the hub's.
class counting_subscriber final : public hub::subscriber {
  public:
    void deliver(const hub::frame& f) override {
        ++frames_;
        bytes_ += f->size();
    }
    std::size_t frames() const { return frames_; }

  private:
    std::size_t frames_ = 0;
    std::size_t bytes_ = 0;
};

// A typical small event: what a status change looks like on the wire.
constexpr std::string_view payload = R"({"status":"running","agent":"a-123","progress":0.42})";

void BM_HubFanout(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    hub::hub h;  // default history limits, as the server runs
    const protocol::channel_name channel{protocol::channel_family::agent, "a-123"};
    std::vector<counting_subscriber> subscribers(n);
    const auto ack = [](std::optional<bool>) { return std::make_shared<const std::string>("{}"); };
    for (auto& sub : subscribers)
        h.subscribe(channel, &sub, std::nullopt, ack);
    // Fill the history ring first, so the timed loop sees its steady state (evicting one old
    // event per new one) rather than its growth.
    for (int i = 0; i < 1100; ++i)
        h.publish(channel, "agent_status_changed", payload);

    const auto before = allocation_count.load(std::memory_order_relaxed);
    for (auto _ : state) {
        benchmark::DoNotOptimize(h.publish(channel, "agent_status_changed", payload));
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

    for (const auto& sub : subscribers) {
        if (sub.frames() < static_cast<std::size_t>(state.iterations()))
            state.SkipWithError("a subscriber missed events");
    }
    for (auto& sub : subscribers)
        h.unsubscribe(channel, &sub);
}

BENCHMARK(BM_HubFanout)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000);

}  // namespace
