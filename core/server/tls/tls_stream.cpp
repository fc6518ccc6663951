#include "core/server/tls/tls_stream.hpp"

namespace kata::server {

tls_stream::tls_stream(tcp::socket socket, ssl_ctx_st* ctx, const std::string& verify_host)
    : s_(std::make_shared<state>(std::move(socket))) {
    boost::system::error_code ignored;
    // The transport reads and writes the descriptor itself and must never block.
    s_->socket.non_blocking(true, ignored);
    s_->tls = std::make_unique<tls_transport>(ctx, s_->socket.native_handle(), verify_host);
}

void tls_stream::expires_after(std::chrono::steady_clock::duration d) {
    s_->expired = false;
    s_->timer.expires_after(d);
    // The generation tells a stale expiry (already queued when the deadline moved) from this one.
    s_->timer.async_wait([weak = std::weak_ptr<state>(s_),
                          gen = ++s_->deadline_gen](const boost::system::error_code& ec) {
        const auto s = weak.lock();
        if (ec || !s || s->deadline_gen != gen) return;
        s->expired = true;
        boost::system::error_code ignored;
        s->socket.cancel(ignored);  // a waiting operation wakes up and reports the timeout
    });
}

void tls_stream::expires_never() {
    ++s_->deadline_gen;
    s_->expired = false;
    s_->timer.cancel();
}

void tls_stream::expire_now() {
    ++s_->deadline_gen;
    s_->timer.cancel();
    s_->expired = true;
    boost::system::error_code ignored;
    s_->socket.cancel(ignored);
}

std::pair<tcp::socket, std::unique_ptr<tls_transport>> tls_stream::release() {
    expires_never();
    return {std::move(s_->socket), std::move(s_->tls)};
}

}  // namespace kata::server
