#pragma once
// An Asio/Beast stream over tls_transport, for the parts that read and write with Beast or Asio
// composed operations: the HTTP phase of a TLS connection (requests, the upgrade) and the load
// generator's handshake. It keeps tcp_stream's deadline interface (expires_after, expires_never;
// an expired deadline fails the operation with beast::error::timeout). After the upgrade the
// socket and TLS session go to the WebSocket connection, which drives them without Asio.
#include <sys/uio.h>

#include <array>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/errc.hpp>
#include <chrono>
#include <memory>
#include <utility>

#include "core/server/ops/beast_types.hpp"
#include "core/server/tls/tls_transport.hpp"

namespace kata::server {

class tls_stream {
  public:
    using executor_type = tcp::socket::executor_type;

    // The server side, or with a non-empty `verify_host` the client side (see tls_transport).
    tls_stream(tcp::socket socket, ssl_ctx_st* ctx, const std::string& verify_host = {});

    executor_type get_executor() { return s_->socket.get_executor(); }
    tcp::socket& socket() { return s_->socket; }
    tls_transport& transport() { return *s_->tls; }

    void expires_after(std::chrono::steady_clock::duration d);
    void expires_never();
    // The deadline passes now: the operation in progress (and any later one) fails with
    // beast::error::timeout.
    void expire_now();

    // Signature void(error_code, size_t) for all three; the handshake's size is 0.
    template <class Token>
    auto async_handshake(Token&& token) {
        return start(std::forward<Token>(token),
                     [](tls_transport& t, bool&) { return t.handshake(); });
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        asio::mutable_buffer into;
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers); ++it) {
            const asio::mutable_buffer b = *it;  // Beast's iterators have no operator->
            if (b.size() == 0) continue;
            into = b;
            break;
        }
        return start(std::forward<Token>(token), [into](tls_transport& t, bool&) {
            if (into.size() == 0) return tls_transport::result{};
            return t.read({static_cast<char*>(into.data()), into.size()});
        });
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        std::array<iovec, 16> iov{};
        std::size_t count = 0;
        for (auto it = asio::buffer_sequence_begin(buffers);
             it != asio::buffer_sequence_end(buffers) && count < iov.size(); ++it) {
            const asio::const_buffer b = *it;
            iov[count].iov_base = const_cast<void*>(b.data());
            iov[count++].iov_len = b.size();
        }
        return start(std::forward<Token>(token), [iov, count](tls_transport& t, bool& taken) {
            // Bytes once taken are records: the op then only waits for them to leave.
            if (taken) return t.flush();
            auto r = t.write(iov.data(), count);
            taken = r.bytes > 0;
            return r;
        });
    }

    // Hands the socket and the TLS session over; the stream is empty afterwards.
    std::pair<tcp::socket, std::unique_ptr<tls_transport>> release();

  private:
    struct state {
        explicit state(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
        tcp::socket socket;
        std::unique_ptr<tls_transport> tls;
        asio::steady_timer timer;
        std::uint64_t deadline_gen = 0;
        bool expired = false;
    };

    // Runs `attempt` until it is done, waiting for the socket in between as the transport asks.
    template <class Attempt>
    struct op {
        std::shared_ptr<state> s;
        Attempt attempt;
        bool started = false;
        bool taken = false;  // a write's bytes are records now
        std::size_t bytes = 0;

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {}) {
            using st = tls_transport::status;
            if (!started) {
                // Never complete inside the initiating call: Beast's loops would recurse.
                started = true;
                return asio::post(s->socket.get_executor(), std::move(self));
            }
            if (s->expired) return self.complete(beast::error::timeout, 0);
            if (ec) return self.complete(ec, 0);
            const auto r = attempt(*s->tls, taken);
            bytes += r.bytes;
            switch (r.state) {
                case st::ok:
                    return self.complete({}, bytes);
                case st::want_read:
                    return s->socket.async_wait(tcp::socket::wait_read, std::move(self));
                case st::want_write:
                    return s->socket.async_wait(tcp::socket::wait_write, std::move(self));
                case st::closed:
                    return self.complete(asio::error::eof, 0);
                case st::failed:
                    break;
            }
            return self.complete(
                boost::system::errc::make_error_code(boost::system::errc::protocol_error), 0);
        }
    };

    template <class Token, class Attempt>
    auto start(Token&& token, Attempt attempt) {
        return asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            op<Attempt>{s_, std::move(attempt)}, token, s_->socket);
    }

    std::shared_ptr<state> s_;
};

}  // namespace kata::server
