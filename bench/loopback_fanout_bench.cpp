// End-to-end fanout over loopback: a real server on 127.0.0.1:0 and F raw Beast WebSocket readers
// in the same process, all subscribed to one channel. Each iteration publishes a burst of events
// through server.hub().publish and waits until every reader has every event, so deliveries/s
// includes the session queues, the socket writes and the readers' frame parsing (wall clock:
// UseRealTime, since the work happens on the server's and the readers' threads).
//
// On a 2-core machine the server gets one thread and the readers one: the readers must keep up
// with the server or the number measures the client (the uWebSockets warning in STYLE.md).
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include "core/auth/digest.hpp"
#include "core/auth/file_directory.hpp"
#include "core/server/ops/log.hpp"
#include "core/server/server.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace protocol = kata::protocol;
using tcp = asio::ip::tcp;

constexpr std::string_view api_key = "bench-key-subscribe";
constexpr int events_per_iteration = 100;
constexpr std::string_view payload = R"({"status":"running","agent":"a-123","progress":0.42})";

// Counts the frames all readers received; the benchmark thread sleeps until a target is reached
// instead of spinning, so it does not take a core from the server or the readers.
class delivery_counter {
  public:
    void add_one() {
        const auto n = received_.fetch_add(1, std::memory_order_relaxed) + 1;
        if (n == target_.load(std::memory_order_relaxed)) {
            std::lock_guard lock(mutex_);
            done_.notify_one();
        }
    }
    // Sets the next target (`more` frames from now) before the frames are sent.
    void expect(std::uint64_t more) { target_.store(received_.load() + more); }
    // False if the frames did not all arrive in time: a reader was dropped.
    bool wait(std::chrono::seconds timeout) {
        std::unique_lock lock(mutex_);
        return done_.wait_for(lock, timeout, [&] { return received_.load() >= target_.load(); });
    }

  private:
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> target_{~std::uint64_t{0}};
    std::mutex mutex_;
    std::condition_variable done_;
};

struct reader {
    explicit reader(asio::io_context& io) : ws(io) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
};

// F readers subscribed to one channel of a shared server, reading on their own thread.
class reader_group {
  public:
    reader_group(std::uint16_t port, const std::string& channel, std::size_t fanout) {
        for (std::size_t i = 0; i < fanout; ++i)
            readers_.push_back(connect(port, channel));
        for (auto& r : readers_)
            read_next(*r);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~reader_group() {
        io_.stop();
        thread_.join();
    }
    delivery_counter& counter() { return counter_; }

  private:
    std::unique_ptr<reader> connect(std::uint16_t port, const std::string& channel) {
        auto r = std::make_unique<reader>(io_);
        beast::get_lowest_layer(r->ws).connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        r->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(beast::http::field::authorization, "Bearer " + std::string{api_key});
        }));
        r->ws.handshake("127.0.0.1", "/v1/ws");
        r->ws.write(asio::buffer(R"({"type":"subscribe","channel":")" + channel + R"("})"));
        r->ws.read(r->buffer);  // the `subscribed` acknowledgement
        r->buffer.clear();
        return r;
    }

    void read_next(reader& r) {
        r.ws.async_read(r.buffer, [this, &r](beast::error_code ec, std::size_t) {
            if (ec) return;  // closed: the counter stops short and the benchmark reports it
            r.buffer.clear();
            counter_.add_one();
            read_next(r);
        });
    }

    asio::io_context io_{1};
    std::vector<std::unique_ptr<reader>> readers_;
    delivery_counter counter_;
    std::thread thread_;
};

// One server for the whole program, and one reader group per fanout, each on its own channel.
// Google Benchmark calls a benchmark function several times while it sizes the run; building
// 1000 connections each time would dominate the run, so they are kept.
class loopback {
  public:
    static loopback& instance() {
        static loopback l;
        return l;
    }

    reader_group& group(std::size_t fanout) {
        auto& g = groups_[fanout];
        if (!g) g = std::make_unique<reader_group>(server_->port(), channel(fanout).str(), fanout);
        return *g;
    }

    static protocol::channel_name channel(std::size_t fanout) {
        return {protocol::channel_family::spec, "fanout-" + std::to_string(fanout)};
    }

    kata::hub::hub& hub() { return server_->hub(); }

    ~loopback() {
        groups_.clear();  // readers first, so the server does not wait for them to close
        server_->stop(std::chrono::milliseconds(500));
    }

  private:
    loopback() {
        kata::server::set_log_level(kata::server::log_level::error);
        kata::config::server_config cfg;
        cfg.listen_host = "127.0.0.1";
        cfg.listen_port = 0;
        cfg.threads = 1;
        auto& dir = cfg.directory;
        dir.api_keys.push_back({"bench", kata::auth::sha256_hex(api_key), "t1",
                                static_cast<std::uint8_t>(kata::auth::scope_subscribe)});
        for (const std::size_t f : {1, 100, 1000})
            dir.specs["fanout-" + std::to_string(f)] = "t1";
        auto directory = std::make_shared<kata::auth::file_directory>(dir);
        server_ = std::make_unique<kata::server::server>(std::move(cfg), std::move(directory));
        server_->start();
    }

    std::unique_ptr<kata::server::server> server_;
    std::map<std::size_t, std::unique_ptr<reader_group>> groups_;
};

void BM_LoopbackFanout(benchmark::State& state) {
    const auto fanout = static_cast<std::size_t>(state.range(0));
    auto& lb = loopback::instance();
    auto& group = lb.group(fanout);
    const auto channel = loopback::channel(fanout);
    for (auto _ : state) {
        group.counter().expect(fanout * events_per_iteration);
        for (int i = 0; i < events_per_iteration; ++i) {
            lb.hub().publish(channel, "agent_status_changed", payload);
        }
        if (!group.counter().wait(std::chrono::seconds(30))) {
            state.SkipWithError("not every reader got every event within 30 s");
            break;
        }
    }
    const auto deliveries = static_cast<double>(state.iterations()) * static_cast<double>(fanout) *
                            events_per_iteration;
    state.SetItemsProcessed(static_cast<std::int64_t>(deliveries));
    state.counters["events"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * events_per_iteration,
                           benchmark::Counter::kIsRate);
}

BENCHMARK(BM_LoopbackFanout)
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
