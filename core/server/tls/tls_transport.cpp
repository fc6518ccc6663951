#include "core/server/tls/tls_transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

#include "core/client/client_tls.hpp"

namespace kata::server {
namespace {

// Plaintext per SSL_write: four full records, so a backlog costs one system call per 64 KiB.
constexpr std::size_t write_batch = 64 * 1024;

// What OpenSSL writes during one call of ours, sent before that call returns: one buffer per
// thread, never per connection.
thread_local std::vector<char> t_records;
// The outbox's frames coalesced into one SSL_write (many small events make one record).
thread_local std::vector<char> t_plain;

int records_write(BIO*, const char* data, int len) {
    t_records.insert(t_records.end(), data, data + len);
    return len;
}

long records_ctrl(BIO*, int cmd, long, void*) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int records_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

// A sink BIO that never blocks: the socket's pace is handled by send_out(), outside OpenSSL, so
// SSL_write never asks to be retried with the same bytes.
BIO_METHOD* records_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "kata-rt records");
        if (m == nullptr) throw std::bad_alloc();
        BIO_meth_set_write(m, records_write);
        BIO_meth_set_ctrl(m, records_ctrl);
        BIO_meth_set_create(m, records_create);
        return m;
    }();
    return method;
}

// Sends what it can of [data, data + size); returns the bytes sent or -1 on a socket error.
ssize_t send_some(int fd, const char* data, std::size_t size) {
    std::size_t sent = 0;
    while (sent < size) {
        const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        return -1;
    }
    return static_cast<ssize_t>(sent);
}

}  // namespace

std::string openssl_error(const char* fallback) {
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    if (code == 0) return fallback;
    const char* reason = ERR_reason_error_string(code);
    return reason ? reason : fallback;
}

tls_transport::tls_transport(ssl_ctx_st* ctx, int fd, const std::string& verify_host)
    : ssl_(SSL_new(ctx)), fd_(fd) {
    if (ssl_ == nullptr) throw std::bad_alloc();
    BIO* in = BIO_new_socket(fd, BIO_NOCLOSE);
    BIO* out = BIO_new(records_method());
    if (in == nullptr || out == nullptr) {
        BIO_free(in);
        BIO_free(out);
        SSL_free(ssl_);
        throw std::bad_alloc();
    }
    SSL_set_bio(ssl_, in, out);
    // An idle connection gives OpenSSL's read and write buffers back.
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
    if (verify_host.empty()) {
        SSL_set_accept_state(ssl_);
        return;
    }
    SSL_set_connect_state(ssl_);
    client::expect_host(ssl_, verify_host);
}

tls_transport::~tls_transport() {
    SSL_free(ssl_);
}

const char* tls_transport::version() const {
    return SSL_get_version(ssl_);
}

bool tls_transport::holds_input() const {
    return SSL_has_pending(ssl_) == 1;
}

tls_transport::result tls_transport::stop(int ret, std::size_t bytes) {
    const int err = SSL_get_error(ssl_, ret);
    if (err == SSL_ERROR_WANT_READ) return {bytes, status::want_read};
    if (err == SSL_ERROR_WANT_WRITE) return {bytes, status::want_write};  // not with our sink
    if (err == SSL_ERROR_ZERO_RETURN ||
        (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
        sticky_ = status::closed;
        error_ = "closed by the peer";
    } else {
        sticky_ = status::failed;
        const long verify = SSL_get_verify_result(ssl_);
        if (verify != X509_V_OK) {
            ERR_clear_error();
            error_ =
                std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
        } else if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
            error_ = std::strerror(errno);
        } else {
            error_ = openssl_error("TLS error");
        }
    }
    return {bytes, bytes > 0 ? status::ok : sticky_};
}

tls_transport::result tls_transport::handshake() {
    if (sticky_ != status::ok) return {0, sticky_};
    ERR_clear_error();
    errno = 0;
    const int ret = SSL_do_handshake(ssl_);
    // The error is read before send_out() can touch errno.
    const auto done = ret == 1 ? result{} : stop(ret, 0);
    const auto sent = send_out();
    if (sent.state == status::failed) return sent;
    if (done.state == status::ok || done.state == status::want_read) {
        // Our flight must leave before waiting for the peer's answer.
        return {0, sent.state == status::want_write ? status::want_write : done.state};
    }
    return done;
}

tls_transport::result tls_transport::read(std::span<char> into) {
    if (sticky_ != status::ok) return {0, sticky_};
    std::size_t total = 0;
    result last{0, status::ok};
    while (total < into.size()) {
        ERR_clear_error();
        errno = 0;
        std::size_t n = 0;
        const int ret = SSL_read_ex(ssl_, into.data() + total, into.size() - total, &n);
        if (ret == 1) {
            total += n;
            continue;
        }
        last = stop(ret, total);
        break;
    }
    // Reading may have produced records of its own (an alert, a key update's answer).
    const auto sent = send_out();
    if (total > 0) return {total, status::ok};
    if (sent.state == status::failed) return sent;
    if (last.state == status::want_read && sent.state == status::want_write) return sent;
    return last;
}

tls_transport::result tls_transport::write(const iovec* iov, std::size_t count) {
    if (sticky_ != status::ok) return {0, sticky_};
    if (holds_output()) {
        const auto flushed = flush();
        if (flushed.state != status::ok) return flushed;
    }
    // Skip empty buffers; one large frame is encrypted where it lies, small ones are coalesced.
    while (count > 0 && iov->iov_len == 0) {
        ++iov;
        --count;
    }
    if (count == 0) return {0, status::ok};
    const char* data = static_cast<const char*>(iov[0].iov_base);
    std::size_t size = std::min(iov[0].iov_len, write_batch);
    if (count > 1 && size < write_batch) {
        t_plain.clear();
        for (std::size_t i = 0; i < count && t_plain.size() < write_batch; ++i) {
            const auto* p = static_cast<const char*>(iov[i].iov_base);
            const std::size_t take = std::min(iov[i].iov_len, write_batch - t_plain.size());
            t_plain.insert(t_plain.end(), p, p + take);
        }
        data = t_plain.data();
        size = t_plain.size();
    }
    ERR_clear_error();
    errno = 0;
    std::size_t taken = 0;
    const int ret = SSL_write_ex(ssl_, data, size, &taken);
    const auto refused = ret == 1 ? result{} : stop(ret, 0);
    const auto sent = send_out();
    if (ret != 1) return refused;
    if (sent.state == status::failed) return sent;
    return {taken, sent.state};
}

tls_transport::result tls_transport::send_out() {
    if (!holds_output()) {
        const ssize_t n = send_some(fd_, t_records.data(), t_records.size());
        if (n < 0) {
            t_records.clear();
            error_ = std::strerror(errno);
            sticky_ = status::failed;
            return {0, status::failed};
        }
        backlog_.assign(t_records.data() + n, t_records.size() - static_cast<std::size_t>(n));
    } else {
        backlog_.append(t_records.data(), t_records.size());
    }
    t_records.clear();
    if (t_records.capacity() > 4 * write_batch) std::vector<char>{}.swap(t_records);
    return flush();
}

tls_transport::result tls_transport::flush() {
    if (backlog_.empty()) return {0, status::ok};
    const ssize_t n = send_some(fd_, backlog_.data(), backlog_.size());
    if (n < 0) {
        error_ = std::strerror(errno);
        sticky_ = status::failed;
        return {0, status::failed};
    }
    backlog_.erase(0, static_cast<std::size_t>(n));
    if (!backlog_.empty()) return {0, status::want_write};
    std::string{}.swap(backlog_);  // a connection that caught up holds no buffer
    return {0, status::ok};
}

void tls_transport::close_notify() {
    if (sticky_ != status::ok || SSL_is_init_finished(ssl_) != 1) return;
    ERR_clear_error();
    SSL_shutdown(ssl_);
    send_out();
    ERR_clear_error();
}

}  // namespace kata::server
