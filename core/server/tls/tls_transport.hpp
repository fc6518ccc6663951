#pragma once
#include <openssl/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string>

namespace kata::server {

// TLS over a connected non-blocking socket, without Asio: the caller waits for readiness. OpenSSL
// reads the socket itself; what it writes (records, alerts) lands in a per-thread buffer that is
// sent with one send() before each call returns, so all of a connection's pending frames leave in
// one batch of records and one system call, as on a plain socket. Ciphertext the socket does not
// take is kept per connection (only then: an idle connection holds no buffer of ours).
class tls_transport {
  public:
    enum class status {
        ok,          // done; `bytes` says how many
        want_read,   // wait until the socket is readable, then call again
        want_write,  // records are waiting for the socket: wait until writable, flush(), go on
        closed,      // the peer closed (close_notify or EOF)
        failed,      // a TLS or socket error; error() says which
    };
    struct result {
        std::size_t bytes = 0;
        status state = status::ok;
    };

    // A new TLS session of `ctx` on `fd` (which stays the caller's): the server side, or with a
    // non-empty `verify_host` the client side, which sends it as SNI and verifies the
    // certificate and host name against the context's trust store.
    tls_transport(ssl_ctx_st* ctx, int fd, const std::string& verify_host = {});
    ~tls_transport();
    tls_transport(const tls_transport&) = delete;
    tls_transport& operator=(const tls_transport&) = delete;

    result handshake();
    // Reads until `into` is full or the socket has nothing more (then `bytes` < into.size()).
    result read(std::span<char> into);
    // Encrypts up to 64 KiB of `iov` (as ≤16 KiB records) and sends the records in one system
    // call. `bytes` are taken even when the state is want_write: they are records by then. With
    // count 0 it only flushes.
    result write(const iovec* iov, std::size_t count);
    // Sends the records the socket did not take yet: ok once none are left.
    result flush();
    // Sends close_notify, best effort (the socket is closed next).
    void close_notify();

    bool holds_output() const { return !backlog_.empty(); }
    // Decrypted bytes (or whole records) read from the socket but not yet returned: waiting for
    // the socket to become readable would not wake up for them.
    bool holds_input() const;
    const std::string& error() const { return error_; }
    // The negotiated protocol, e.g. "TLSv1.3".
    const char* version() const;
    ssl_st* native_handle() const { return ssl_; }

  private:
    result send_out();
    result stop(int ret, std::size_t bytes);

    ssl_st* ssl_;
    int fd_;
    std::string backlog_;  // records the socket did not take yet
    std::string error_;
    status sticky_ = status::ok;  // closed or failed: every later call says so
};

// The reason of the last OpenSSL error on this thread (and clears the queue), or `fallback`.
std::string openssl_error(const char* fallback);

}  // namespace kata::server
