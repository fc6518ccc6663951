#include "core/directory/backend_pool.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <deque>
#include <optional>
#include <unordered_set>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "core/config/version.hpp"
#include "core/server/ops/beast_types.hpp"

namespace kata::directory {

using namespace kata::server;  // asio, beast, http, tcp, use_tuple
using steady = std::chrono::steady_clock;

namespace {

// The backend's answers are a few hundred bytes; anything much bigger is a confused backend.
constexpr std::size_t max_response_bytes = 64 * 1024;

// Interim answers (103 Early Hints, 100 Continue) skipped before the final one; more is a
// confused backend.
constexpr int max_interim_answers = 8;

// A kept-alive connection may carry the next request only when nothing from the backend is
// waiting on it: no byte left over in the lane's buffer, none readable on the socket, and no
// close. Any such byte would be read as the next request's answer and hand one credential's
// answer to another.
bool idle_and_clean(beast::tcp_stream& stream, const beast::flat_buffer& buffer) {
    if (buffer.size() != 0) return false;
    char byte = 0;
    const auto n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

struct job {
    std::string path;
    std::string body;
    steady::time_point deadline;
    backend_pool::done_fn done;
    std::optional<asio::steady_timer> timer;  // fails the job at its deadline wherever it is
    bool finished = false;

    void finish(backend_pool::reply r) {
        if (finished) return;
        finished = true;
        if (timer) timer->cancel();
        auto fn = std::move(done);
        fn(std::move(r));
    }
};

backend_pool::reply failure(std::string why) {
    backend_pool::reply r;
    r.error = std::move(why);
    return r;
}

}  // namespace

struct backend_pool::impl {
    explicit impl(const auth::http_directory_settings& s)
        : settings(s), wake(ioc, steady::time_point::max()) {}

    auth::http_directory_settings settings;
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread thread;
    std::mutex stop_mutex;
    bool stopped = false;  // guarded by stop_mutex

    // Posted, queued or running: failed by stop() if the thread leaves them. Guarded by
    // stop_mutex.
    std::unordered_set<std::shared_ptr<job>> unfinished;

    // Pool thread only, below.
    std::deque<std::shared_ptr<job>> queue;
    asio::steady_timer wake;  // lanes wait on it; cancel_one wakes one

    void complete(const std::shared_ptr<job>& j, backend_pool::reply r) {
        j->finish(std::move(r));
        std::lock_guard lock(stop_mutex);
        unfinished.erase(j);
    }

    void enqueue(std::shared_ptr<job> j) {
        j->timer.emplace(ioc, j->deadline);
        j->timer->async_wait([this, j](const beast::error_code& ec) {
            if (ec) return;  // finished first
            complete(j,
                     failure("timeout after " + std::to_string(settings.timeout.count()) + " ms"));
        });
        queue.push_back(std::move(j));
        wake.cancel_one();
    }

    // One request on `stream` (opened here when it is not, or when the kept-alive one holds
    // unread bytes). Any failure closes the connection; `reused` says whether the request went
    // on a kept-alive connection, so the caller may retry it once on a fresh one.
    asio::awaitable<backend_pool::reply> exchange(std::optional<beast::tcp_stream>& stream,
                                                  beast::flat_buffer& buffer, const job& j,
                                                  bool& reused) {
        if (stream && !idle_and_clean(*stream, buffer)) stream.reset();
        reused = stream.has_value();
        if (!stream) {
            tcp::resolver resolver(ioc);
            auto [ec, results] = co_await resolver.async_resolve(
                settings.host, std::to_string(settings.port), use_tuple);
            if (ec) co_return failure("cannot resolve " + settings.host + ": " + ec.message());
            stream.emplace(ioc);
            stream->expires_at(j.deadline);
            auto [cec, ep] = co_await stream->async_connect(results, use_tuple);
            if (cec) {
                stream.reset();
                co_return failure("cannot connect: " + cec.message());
            }
            beast::error_code ignored;
            stream->socket().set_option(tcp::no_delay(true), ignored);
            buffer.clear();
        }
        http::request<http::string_body> req{http::verb::post, settings.base_path + j.path, 11};
        req.set(http::field::host, settings.host + ":" + std::to_string(settings.port));
        req.set(http::field::content_type, "application/json");
        req.set(http::field::user_agent, config::user_agent(""));
        for (const auto& [name, value] : settings.headers)
            req.set(name, value);
        req.keep_alive(true);
        req.body() = j.body;
        req.prepare_payload();
        stream->expires_at(j.deadline);
        auto [wec, wn] = co_await http::async_write(*stream, req, use_tuple);
        // From here on, any failure leaves the connection in an unknown place of the backend's
        // byte stream: it is closed, never reused.
        std::optional<http::response_parser<http::string_body>> parser;
        beast::error_code rec = wec;
        for (int interim = 0; !rec; ++interim) {
            parser.emplace();
            parser->body_limit(max_response_bytes);
            std::tie(rec, wn) = co_await http::async_read(*stream, buffer, *parser, use_tuple);
            if (rec) break;
            const unsigned status = parser->get().result_int();
            if (status >= 200) break;
            // RFC 9110 15.2: 1xx answers precede the final one and must be skipped. 101 would
            // switch this connection to another protocol: not an answer to a POST.
            if (status == 101 || interim == max_interim_answers) {
                stream.reset();
                co_return failure(status == 101 ? "unexpected HTTP 101"
                                                : "too many interim 1xx answers");
            }
        }
        if (rec) {
            stream.reset();
            if (rec == beast::error::timeout) co_return failure("timeout");
            co_return failure(rec.message());
        }
        auto res = parser->release();
        // Bytes after the answer (a doubled answer, trailing garbage) are the start of nothing we
        // asked for: the answer stands, the connection goes.
        if (!res.keep_alive() || buffer.size() != 0) stream.reset();
        backend_pool::reply r;
        r.ok = true;
        r.status = res.result_int();
        r.body = std::move(res.body());
        co_return r;
    }

    // One keep-alive connection: takes the next job, runs it, and so on.
    asio::awaitable<void> lane() {
        std::optional<beast::tcp_stream> stream;
        beast::flat_buffer buffer;
        for (;;) {
            while (queue.empty()) {
                co_await wake.async_wait(use_tuple);
                if (ioc.stopped()) co_return;
            }
            auto j = std::move(queue.front());
            queue.pop_front();
            if (j->finished) continue;  // timed out while queued
            bool reused = false;
            auto r = co_await exchange(stream, buffer, *j, reused);
            // A kept-alive connection the backend closed meanwhile fails at once: one retry on a
            // fresh connection, within the same deadline.
            if (!r.ok && reused && !j->finished && steady::now() < j->deadline) {
                r = co_await exchange(stream, buffer, *j, reused);
            }
            complete(j, std::move(r));
        }
    }
};

backend_pool::backend_pool(const auth::http_directory_settings& settings)
    : impl_(std::make_unique<impl>(settings)) {
    for (std::size_t i = 0; i < settings.pool_size; ++i)
        asio::co_spawn(impl_->ioc, impl_->lane(), asio::detached);
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

backend_pool::~backend_pool() {
    stop();
}

void backend_pool::post(std::string path, std::string body, done_fn done) {
    auto j = std::make_shared<job>();
    j->path = std::move(path);
    j->body = std::move(body);
    j->deadline = steady::now() + impl_->settings.timeout;
    j->done = std::move(done);
    {
        std::lock_guard lock(impl_->stop_mutex);
        if (!impl_->stopped) {
            impl_->unfinished.insert(j);
            asio::post(impl_->ioc, [this, j] { impl_->enqueue(j); });
            return;
        }
    }
    j->finish(failure("directory stopped"));
}

void backend_pool::stop() {
    {
        std::lock_guard lock(impl_->stop_mutex);
        if (impl_->stopped) return;
        impl_->stopped = true;
    }
    impl_->ioc.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
    // The thread is gone: what it left unfinished is failed here, once.
    std::unordered_set<std::shared_ptr<job>> left;
    {
        std::lock_guard lock(impl_->stop_mutex);
        left.swap(impl_->unfinished);
    }
    for (const auto& j : left)
        j->finish(failure("directory stopped"));
    impl_->queue.clear();
}

}  // namespace kata::directory
