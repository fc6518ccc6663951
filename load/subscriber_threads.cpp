#include "load/subscriber_threads.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <thread>
#include <type_traits>

#include "load/load_client.hpp"

namespace kata::load {

namespace asio = boost::asio;

struct subscriber_threads::worker {
    worker(const scenario& sc, std::vector<std::size_t> subscribers)
        : state(std::move(subscribers), sc.channels), client(io, sc, state) {}

    // Declared first so it is destroyed last: the sockets and timers of the client's
    // connections belong to it.
    asio::io_context io{1};
    subscriber_state state;
    load_client client;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::thread thread;
    std::exception_ptr error;  // the first exception that escaped a handler on this thread
    cpu_time cpu;              // this thread's CPU time, taken when it ends
};

namespace {

// Runs `f` on `io`'s thread and resumes the calling coroutine on its own executor with the result.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> on_thread(asio::io_context& io, F f) {
    using result = std::invoke_result_t<F&>;
    co_return co_await asio::co_spawn(
        io, [f = std::move(f)]() mutable -> asio::awaitable<result> { co_return f(); },
        asio::use_awaitable);
}

}  // namespace

subscriber_threads::subscriber_threads(const scenario& sc) {
    const std::size_t n = std::max<std::size_t>(1, std::min(sc.threads, sc.connections));
    std::vector<std::vector<std::size_t>> shares(n);
    for (std::size_t i = 0; i < sc.connections; ++i)
        shares[i % n].push_back(i);
    for (auto& share : shares) {
        workers_.push_back(std::make_unique<worker>(sc, std::move(share)));
        states_.push_back(&workers_.back()->state);
    }
}

subscriber_threads::~subscriber_threads() {
    try {
        stop();
    } catch (...) {  // already reported by stop() when it was called; nothing to add here
    }
}

void subscriber_threads::start(std::chrono::steady_clock::time_point begin) {
    for (auto& w : workers_) {
        w->guard.emplace(w->io.get_executor());
        asio::post(w->io, [w = w.get(), begin] { w->client.start(begin); });
        w->thread = std::thread([w = w.get()] {
            // A handler that throws does not end the thread: the control thread may be waiting
            // on it. The first exception is kept and rethrown by stop().
            for (;;) {
                try {
                    w->io.run();
                    break;
                } catch (...) {
                    if (!w->error) w->error = std::current_exception();
                }
            }
            w->cpu = load::thread_cpu();
        });
    }
}

asio::awaitable<live_counts> subscriber_threads::counts(const std::vector<std::uint64_t>* accepted,
                                                        bool take_interval) {
    live_counts total;
    for (auto& w : workers_) {
        total.add(co_await on_thread(w->io, [w = w.get(), accepted, take_interval] {
            return w->client.counts(accepted, take_interval);
        }));
    }
    co_return total;
}

asio::awaitable<bool> subscriber_threads::cut_one(std::mt19937_64& rng) {
    std::uniform_int_distribution<std::size_t> first(0, workers_.size() - 1);
    const std::size_t start = first(rng);
    for (std::size_t k = 0; k < workers_.size(); ++k) {
        auto* w = workers_[(start + k) % workers_.size()].get();
        if (co_await on_thread(w->io, [w, &rng] { return w->client.cut_one(rng); })) co_return true;
    }
    co_return false;
}

asio::awaitable<void> subscriber_threads::begin_close() {
    for (auto& w : workers_)
        co_await on_thread(w->io, [w = w.get()] { w->client.begin_close(); });
}

asio::awaitable<void> subscriber_threads::cut_all() {
    for (auto& w : workers_)
        co_await on_thread(w->io, [w = w.get()] { w->client.cut_all(); });
}

void subscriber_threads::stop() {
    if (stopped_) return;
    stopped_ = true;
    for (auto& w : workers_) {
        w->guard.reset();
        w->io.stop();
    }
    for (auto& w : workers_) {
        if (w->thread.joinable()) w->thread.join();
    }
    for (auto& w : workers_) {
        if (w->error) std::rethrow_exception(w->error);
    }
}

std::vector<cpu_time> subscriber_threads::thread_cpu() const {
    std::vector<cpu_time> out;
    for (const auto& w : workers_)
        out.push_back(w->cpu);
    return out;
}

}  // namespace kata::load
