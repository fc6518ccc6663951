#include "directory_backend.hpp"

#include <future>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace kata::e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct directory_backend::impl {
    directory_backend& owner;
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    asio::steady_timer gate{io, std::chrono::steady_clock::time_point::max()};
    std::thread thread;
    std::set<std::shared_ptr<beast::tcp_stream>> open;  // io thread only

    mutable std::mutex mutex;  // guards the fields below
    std::map<std::string, answer> credentials;
    std::map<std::string, answer> owners;
    std::optional<answer> forced;
    std::chrono::milliseconds delay{0};
    bool held = false;
    framing how = framing::normal;
    std::vector<seen_request> seen;
    std::vector<given_answer> given;
    std::set<int> closed;
    int accepted = 0;  // io thread only

    explicit impl(directory_backend& o) : owner(o) {}

    answer decide(const std::string& target, const std::string& body) {
        const auto doc = nlohmann::json::parse(body, nullptr, false);
        std::lock_guard lock(mutex);
        if (forced) return *forced;
        const answer unknown{404, R"({"error":"unknown"})"};
        if (doc.is_discarded() || !doc.is_object()) return {400, ""};
        if (target == "/kata-rt/authenticate") {
            const auto it = credentials.find(doc.value("sha256", ""));
            return it == credentials.end() ? unknown : it->second;
        }
        if (target == "/kata-rt/owner") {
            const auto it = owners.find(doc.value("kind", "") + ":" + doc.value("id", ""));
            return it == owners.end() ? unknown : it->second;
        }
        return {404, ""};
    }

    void remember(const std::string& target, const std::string& body, const answer& a) {
        const auto doc = nlohmann::json::parse(body, nullptr, false);
        std::string subject;
        if (doc.is_object()) {
            subject = target.ends_with("/owner") ? doc.value("kind", "") + ":" + doc.value("id", "")
                                                 : doc.value("sha256", "");
        }
        std::lock_guard lock(mutex);
        given.push_back({target, std::move(subject), a, std::chrono::steady_clock::now()});
    }

    asio::awaitable<bool> write(beast::tcp_stream& stream, const std::string& bytes) {
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes), use_tuple);
        co_return !ec;
    }

    // Writes `wire` (one whole answer) framed as `how` says; false when the connection broke.
    asio::awaitable<bool> send(beast::tcp_stream& stream, const std::string& wire,
                               std::size_t body_size, framing how) {
        switch (how) {
            case framing::normal:
                co_return co_await write(stream, wire);
            case framing::early_hints:
                for (int i = 0; i < 2; ++i) {
                    if (!co_await write(stream,
                                        "HTTP/1.1 103 Early Hints\r\n"
                                        "Link: </style.css>; rel=preload\r\n\r\n")) {
                        co_return false;
                    }
                }
                co_return co_await write(stream, wire);
            case framing::switching_protocols:
                co_return co_await write(stream,
                                         "HTTP/1.1 101 Switching Protocols\r\n"
                                         "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n" +
                                             wire);
            case framing::doubled:
                co_return co_await write(stream, wire + wire);
            case framing::trailing_garbage:
                co_return co_await write(stream, wire + "garbage\r\n");
            case framing::late_extra:
                if (!co_await write(stream, wire)) co_return false;
                co_return co_await write(stream, wire);
            case framing::cut_body:
                co_return co_await write(stream, wire.substr(0, wire.size() - (body_size + 1) / 2));
        }
        co_return false;
    }

    asio::awaitable<void> serve(std::shared_ptr<beast::tcp_stream> stream, int id) {
        open.insert(stream);
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [ec, n] = co_await http::async_read(*stream, buffer, req, use_tuple);
            if (ec) break;
            const std::string target(req.target());
            if (target.ends_with("/authenticate")) owner.authenticate_count_.fetch_add(1);
            if (target.ends_with("/owner")) owner.owner_count_.fetch_add(1);
            std::chrono::milliseconds wait{0};
            bool hold_it = false;
            {
                std::lock_guard lock(mutex);
                seen_request s{target, req.body(), {}, id};
                for (const auto& f : req)
                    s.headers[std::string(f.name_string())] = std::string(f.value());
                seen.push_back(std::move(s));
                wait = delay;
                hold_it = held;
            }
            if (hold_it) co_await gate.async_wait(use_tuple);
            if (wait.count() > 0) {
                asio::steady_timer t(io, wait);
                co_await t.async_wait(use_tuple);
            }
            const auto a = decide(target, req.body());
            remember(target, req.body(), a);
            http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
            res.set(http::field::content_type, "application/json");
            res.keep_alive(req.keep_alive());
            res.body() = a.body;
            res.prepare_payload();
            framing how_now = framing::normal;
            {
                std::lock_guard lock(mutex);
                how_now = how;
            }
            std::ostringstream wire;
            wire << res;
            const bool sent = co_await send(*stream, wire.str(), res.body().size(), how_now);
            owner.answers_done_.fetch_add(1);
            if (!sent || !res.keep_alive()) break;
        }
        {
            std::lock_guard lock(mutex);
            closed.insert(id);
        }
        beast::error_code ignored;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
        open.erase(stream);
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
            if (ec) co_return;
            asio::co_spawn(
                io, serve(std::make_shared<beast::tcp_stream>(std::move(socket)), ++accepted),
                asio::detached);
        }
    }
};

directory_backend::directory_backend() : impl_(std::make_unique<impl>(*this)) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

directory_backend::~directory_backend() {
    stop();
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::string directory_backend::url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/kata-rt";
}

void directory_backend::set_credential(const std::string& sha256, answer a) {
    std::lock_guard lock(impl_->mutex);
    impl_->credentials[sha256] = std::move(a);
}
void directory_backend::forget_credential(const std::string& sha256) {
    std::lock_guard lock(impl_->mutex);
    impl_->credentials.erase(sha256);
}
void directory_backend::set_owner(const std::string& kind_and_id, answer a) {
    std::lock_guard lock(impl_->mutex);
    impl_->owners[kind_and_id] = std::move(a);
}
void directory_backend::force(std::optional<answer> a) {
    std::lock_guard lock(impl_->mutex);
    impl_->forced = std::move(a);
}
void directory_backend::set_delay(std::chrono::milliseconds d) {
    std::lock_guard lock(impl_->mutex);
    impl_->delay = d;
}
void directory_backend::set_framing(framing f) {
    std::lock_guard lock(impl_->mutex);
    impl_->how = f;
}
void directory_backend::hold() {
    std::lock_guard lock(impl_->mutex);
    impl_->held = true;
}
void directory_backend::release() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->held = false;
    }
    asio::post(impl_->io, [this] { impl_->gate.cancel(); });
}

void directory_backend::stop() {
    if (impl_->io.stopped()) return;
    std::promise<void> done;
    asio::post(impl_->io, [this, &done] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
        for (const auto& s : impl_->open)
            s->socket().close(ignored);
        done.set_value();
    });
    done.get_future().wait();
}

bool directory_backend::connection_closed(int n) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->closed.contains(n);
}

std::vector<directory_backend::seen_request> directory_backend::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->seen;
}

std::vector<directory_backend::given_answer> directory_backend::answers() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->given;
}

}  // namespace kata::e2e
