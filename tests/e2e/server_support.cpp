#include "server_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "core/server/ops/log.hpp"

namespace kata::e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

config::server_config test_config() {
    config::server_config cfg;
    cfg.listen_host = "127.0.0.1";
    cfg.listen_port = 0;
    cfg.threads = 2;
    cfg.allowed_origins = {good_origin};
    auto& dir = cfg.directory;
    const auto sub = static_cast<std::uint8_t>(auth::scope_subscribe);
    const auto pub = static_cast<std::uint8_t>(auth::scope_publish);
    dir.api_keys.push_back({"t1", auth::sha256_hex(key_t1), "t1", std::uint8_t(sub | pub)});
    dir.api_keys.push_back({"t2", auth::sha256_hex(key_t2), "t2", sub});
    dir.api_keys.push_back({"t1-pub", auth::sha256_hex(key_no_subscribe), "t1", pub});
    dir.api_keys.push_back(
        {"ops", auth::sha256_hex(key_publish_any), "ops", std::uint8_t(auth::scope_publish_any)});
    dir.api_keys.push_back(
        {"admin", auth::sha256_hex(key_admin), "ops", std::uint8_t(auth::scope_admin)});
    dir.sessions.push_back({auth::sha256_hex(session_t1), "u1", "t1"});
    dir.specs = {{"s1", "t1"}, {"s2", "t2"}};
    dir.agents = {{"a1", "t1"}};
    return cfg;
}

auth::lookup_result<auth::principal> failing_directory::authenticate_api_key(
    std::string_view) const {
    return {};
}
auth::lookup_result<auth::principal> failing_directory::authenticate_session(
    std::string_view) const {
    return {};
}
auth::lookup_result<std::string> failing_directory::team_of_spec(std::string_view) const {
    return {};
}
auth::lookup_result<std::string> failing_directory::team_of_agent(std::string_view) const {
    return {};
}

running_server::running_server(config::server_config cfg,
                               std::shared_ptr<const auth::directory> dir) {
    server::set_log_level(server::log_level::warn);
    if (!dir) dir = std::make_shared<auth::file_directory>(cfg.directory);
    srv = std::make_unique<server::server>(std::move(cfg), std::move(dir));
    srv->start();
}

running_server::~running_server() {
    srv->stop();
}

http_result http_request(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body, const headers& extra) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    http_result result;
    stream.expires_after(10s);
    stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                         [](beast::error_code) {});
    io.run();
    io.restart();
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::connection, "close");
    for (const auto& [k, v] : extra)
        req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    stream.expires_after(10s);
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) return;
        http::async_read(stream, buffer, res, [&](beast::error_code ec2, std::size_t) {
            if (ec2) return;
            result.status = res.result_int();
            result.body = json::parse(res.body(), nullptr, false);
            result.text = res.body();
        });
    });
    io.run();
    return result;
}

http_result http_raw(std::uint16_t port, const std::string& raw) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    http_result result;
    stream.expires_after(10s);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    stream.async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
            if (ec) return;
            asio::async_write(stream, asio::buffer(raw), [&](beast::error_code ec1, std::size_t) {
                if (ec1) return;
                http::async_read(stream, buffer, res, [&](beast::error_code ec2, std::size_t) {
                    if (ec2) return;
                    result.status = res.result_int();
                    result.body = json::parse(res.body(), nullptr, false);
                });
            });
        });
    io.run();
    return result;
}

http_result publish(std::uint16_t port, const std::string& key, const json& body) {
    return http_request(port, "POST", "/v1/publish", body.dump(),
                        {{"Authorization", "Bearer " + key}});
}

struct ws_peer::impl {
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    beast::flat_buffer buffer;
    bool reading = false;
    bool read_done = false;
    beast::error_code read_ec;
    int receive_buffer = 0;

    // Runs the io_context until `done` or `deadline`; the pending operation survives a timeout.
    template <class Pred>
    bool run_until(Pred done, std::chrono::steady_clock::time_point deadline) {
        io.restart();
        while (!done()) {
            if (io.run_one_until(deadline) == 0 && std::chrono::steady_clock::now() >= deadline) {
                return done();
            }
        }
        return true;
    }
};

ws_peer::ws_peer() : impl_(std::make_unique<impl>()) {}
ws_peer::~ws_peer() {
    beast::error_code ignored;
    beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

void ws_peer::small_receive_buffer() {
    impl_->receive_buffer = 4096;
}

bool ws_peer::connect(std::uint16_t port, const headers& extra, bool offer_subprotocol) {
    auto& ws = impl_->ws;
    auto& socket = beast::get_lowest_layer(ws).socket();
    socket.open(tcp::v4());
    if (impl_->receive_buffer)
        socket.set_option(asio::socket_base::receive_buffer_size(impl_->receive_buffer));
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ws.set_option(
        websocket::stream_base::decorator([extra, offer_subprotocol](websocket::request_type& req) {
            for (const auto& [k, v] : extra)
                req.set(k, v);
            if (offer_subprotocol) req.set(http::field::sec_websocket_protocol, "chat, kata-rt.v1");
        }));
    websocket::response_type res;
    beast::error_code result = asio::error::timed_out;
    bool done = false;
    beast::get_lowest_layer(ws).expires_after(10s);
    ws.async_handshake(res, "127.0.0.1", "/v1/ws", [&](beast::error_code ec) {
        result = ec;
        done = true;
    });
    impl_->run_until([&] { return done; }, std::chrono::steady_clock::now() + 10s);
    beast::get_lowest_layer(ws).expires_never();
    http_status_ = res.result_int();
    if (const auto it = res.find(http::field::sec_websocket_protocol); it != res.end()) {
        subprotocol_ = std::string(it->value());
    }
    return !result;
}

void ws_peer::send_text(const std::string& text) {
    impl_->ws.text(true);
    bool done = false;
    impl_->ws.async_write(asio::buffer(text), [&](beast::error_code, std::size_t) { done = true; });
    impl_->run_until([&] { return done; }, std::chrono::steady_clock::now() + 5s);
}

void ws_peer::send_binary(const std::string& data) {
    impl_->ws.binary(true);
    bool done = false;
    impl_->ws.async_write(asio::buffer(data), [&](beast::error_code, std::size_t) { done = true; });
    impl_->run_until([&] { return done; }, std::chrono::steady_clock::now() + 5s);
    impl_->ws.text(true);
}

std::optional<json> ws_peer::next(std::chrono::milliseconds timeout) {
    if (closed_) return std::nullopt;
    auto& s = *impl_;
    // A read that completed while a send ran the io_context holds its message still.
    if (!s.reading && !s.read_done) {
        s.reading = true;
        s.read_done = false;
        s.ws.async_read(s.buffer, [&s](beast::error_code ec, std::size_t) {
            s.read_ec = ec;
            s.read_done = true;
            s.reading = false;
        });
    }
    if (!s.run_until([&] { return s.read_done; }, std::chrono::steady_clock::now() + timeout)) {
        return std::nullopt;
    }
    s.read_done = false;
    if (s.read_ec) {
        closed_ = true;
        close_code_ = s.ws.reason().code;
        close_reason_ = std::string(s.ws.reason().reason.c_str());
        return std::nullopt;
    }
    auto text = beast::buffers_to_string(s.buffer.data());
    s.buffer.consume(s.buffer.size());
    last_text_ = text;
    return json::parse(text, nullptr, false);
}

std::optional<json> ws_peer::next_of(const std::string& type, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto frame = next(left);
        if (!frame) return std::nullopt;
        if ((*frame)["type"] == type) return frame;
    }
}

bool ws_peer::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        next(left);
    }
    return true;
}

json ws_peer::subscribe(const std::string& channel, const std::string& request_id) {
    send({{"type", "subscribe"}, {"channel", channel}, {"requestId", request_id}});
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto frame = next(5s);
        if (!frame) break;
        if ((*frame)["type"] == "subscribed" || (*frame)["type"] == "error") return *frame;
    }
    return json{{"type", "timeout"}};
}

}  // namespace kata::e2e
