#include "load/publish_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "core/client/client_tls.hpp"
#include "core/config/version.hpp"
#include "core/server/tls/tls_stream.hpp"

namespace kata::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;

struct publish_client::impl {
    impl(asio::any_io_executor ex, endpoint_url u, std::string key, std::chrono::milliseconds t,
         std::shared_ptr<ssl_ctx_st> tls)
        : stream(ex),
          resolver(ex),
          url(std::move(u)),
          api_key(std::move(key)),
          timeout(t),
          tls_context(std::move(tls)) {
        if (url.tls() && !tls_context) throw std::invalid_argument("https:// needs a TLS context");
    }

    beast::tcp_stream stream;
    std::optional<server::tls_stream> secure;  // https://: the TLS session over stream's socket
    asio::ip::tcp::resolver resolver;
    beast::flat_buffer buffer;
    endpoint_url url;
    std::string api_key;
    std::chrono::milliseconds timeout;
    std::shared_ptr<ssl_ctx_st> tls_context;
    bool connected = false;

    asio::awaitable<void> connect() {
        auto results =
            co_await resolver.async_resolve(url.host, std::to_string(url.port), use_awaitable);
        stream.expires_after(timeout);
        co_await stream.async_connect(results, use_awaitable);
        stream.socket().set_option(asio::ip::tcp::no_delay(true));
        buffer.clear();
        if (url.tls()) {
            secure.emplace(stream.release_socket(), tls_context.get(), url.host);
            secure->expires_after(timeout);
            auto [ec, n] = co_await secure->async_handshake(asio::as_tuple(asio::use_awaitable));
            if (ec) {
                const auto why = ec == beast::error::timeout ? std::string("timed out")
                                                             : secure->transport().error();
                const bool verify =
                    !client::verify_failure(secure->transport().native_handle()).empty();
                close();
                throw tls_failure("TLS handshake with " + url.host_header() + ": " + why, verify);
            }
        }
        connected = true;
    }

    asio::awaitable<http_reply> exchange(const std::string& body) {
        if (secure) co_return co_await exchange_on(*secure, body);
        co_return co_await exchange_on(stream, body);
    }

    template <class Stream>
    asio::awaitable<http_reply> exchange_on(Stream& stream, const std::string& body) {
        http::request<http::string_body> req{http::verb::post, url.target, 11};
        req.set(http::field::host, url.host_header());
        req.set(http::field::content_type, "application/json");
        req.set(http::field::user_agent, config::user_agent("publish"));
        req.set(http::field::authorization, "Bearer " + api_key);
        req.keep_alive(true);
        req.body() = body;
        req.prepare_payload();
        stream.expires_after(timeout);
        co_await http::async_write(stream, req, use_awaitable);
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        co_await http::async_read(stream, buffer, parser, use_awaitable);
        auto res = parser.release();
        if (!res.keep_alive()) close();
        co_return http_reply{res.result_int(), std::move(res.body())};
    }

    void close() {
        beast::error_code ignored;
        auto& socket = secure ? secure->socket() : stream.socket();
        if (secure) secure->transport().close_notify();
        socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        secure.reset();
        connected = false;
    }
};

publish_client::publish_client(asio::any_io_executor executor, endpoint_url url,
                               std::string api_key, std::chrono::milliseconds timeout,
                               std::shared_ptr<ssl_ctx_st> tls)
    : impl_(std::make_unique<impl>(executor, std::move(url), std::move(api_key), timeout,
                                   std::move(tls))) {}

publish_client::~publish_client() = default;

void publish_client::close() {
    impl_->close();
}

asio::awaitable<http_reply> publish_client::post(std::string body) {
    if (!impl_->connected) {
        co_await impl_->connect();
        co_return co_await impl_->exchange(body);
    }
    // A kept-alive connection the server has since closed fails on first use with EOF or a
    // reset; that is not the server being down, so retry once on a fresh connection. Any other
    // failure is reported: retrying a POST the server may have applied could publish twice.
    try {
        co_return co_await impl_->exchange(body);
    } catch (const boost::system::system_error& e) {
        const auto ec = e.code();
        if (ec != http::error::end_of_stream && ec != asio::error::eof &&
            ec != asio::error::connection_reset && ec != asio::error::broken_pipe) {
            throw;
        }
        impl_->close();
    }
    co_await impl_->connect();
    co_return co_await impl_->exchange(body);
}

std::string error_message_of(const http_reply& reply) {
    const auto doc = nlohmann::json::parse(reply.body, nullptr, false);
    if (doc.is_object()) {
        const auto err = doc.find("error");
        if (err != doc.end() && err->is_object()) {
            const auto msg = err->find("message");
            const auto code = err->find("code");
            std::string out;
            if (code != err->end() && code->is_string()) out = code->get<std::string>() + ": ";
            if (msg != err->end() && msg->is_string()) return out + msg->get<std::string>();
        }
    }
    return reply.body.empty() ? "(empty body)" : reply.body;
}

}  // namespace kata::load
