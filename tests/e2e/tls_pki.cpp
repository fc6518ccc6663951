#include "tls_pki.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace kata::e2e {
namespace {

std::string hex(const unsigned char* data, unsigned size) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

std::string fingerprint(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned size = 0;
    if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &size) != 1) return {};
    return hex(md, size);
}

}  // namespace

test_pki::test_pki(const std::string& ca_name) {
    char templ[] = "/tmp/kata-rt-pki-XXXXXX";
    if (mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout '" +
        dir_ + "/ca.key' -out '" + dir_ + "/ca.pem' -subj '/CN=" + ca_name + "'");
}

test_pki::~test_pki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void test_pki::run(const std::string& command) {
    std::string output;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr)
        output += buf;
    if (pclose(pipe) != 0) throw std::runtime_error(command + " failed:\n" + output);
}

test_pki::issued test_pki::issue(const std::string& name, const std::string& names) {
    const std::string base = dir_ + "/" + name;
    {
        std::ofstream ext(base + ".ext");
        ext << "subjectAltName=" << names << "\n";
    }
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '" + base +
        ".key' -out '" + base + ".csr' -subj /CN=localhost");
    // A random serial per certificate, so a rotated one is told apart from the old one.
    run("openssl x509 -req -days 2 -in '" + base + ".csr' -CA '" + dir_ + "/ca.pem' -CAkey '" +
        dir_ + "/ca.key' -set_serial 0x$(openssl rand -hex 8) -extfile '" + base + ".ext' -out '" +
        base + ".pem'");
    return {base + ".pem", base + ".key"};
}

std::string pem_fingerprint(const std::string& cert_file) {
    FILE* f = std::fopen(cert_file.c_str(), "r");
    if (f == nullptr) return {};
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    const auto out = fingerprint(cert);
    X509_free(cert);
    return out;
}

std::shared_ptr<ssl_ctx_st> test_client_context(const std::string& ca_file, int min_version,
                                                int max_version) {
    std::shared_ptr<ssl_ctx_st> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SSL_CTX_set_security_level(ctx.get(), 0);
    if (min_version) SSL_CTX_set_min_proto_version(ctx.get(), min_version);
    if (max_version) SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    if (max_version && max_version < TLS1_2_VERSION) {
        SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT@SECLEVEL=0");
    }
    if (!ca_file.empty()) {
        SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr);
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    }
    return ctx;
}

tls_peer::tls_peer(std::uint16_t port, ssl_ctx_st* ctx, const std::string& host,
                   int receive_buffer) {
    // OpenSSL writes with write(): a server that already closed must fail the write, not kill
    // the test process.
    ::signal(SIGPIPE, SIG_IGN);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error_ = "connect failed";
        return;
    }
    const int flags = 1;
    ::ioctl(fd_, FIONBIO, &flags);
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, host.c_str());
    SSL_set1_host(ssl_, host.c_str());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        ERR_clear_error();
        const int ret = SSL_connect(ssl_);
        if (ret == 1) {
            ok_ = true;
            return;
        }
        const int err = SSL_get_error(ssl_, ret);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            const auto code = ERR_peek_last_error();
            const char* reason = code ? ERR_reason_error_string(code) : nullptr;
            error_ = reason ? reason : "handshake failed";
            return;
        }
        if (!wait(err == SSL_ERROR_WANT_READ, deadline)) {
            error_ = "handshake timed out";
            return;
        }
    }
}

tls_peer::~tls_peer() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
}

bool tls_peer::wait(bool for_read, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, static_cast<short>(for_read ? POLLIN : POLLOUT), 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}

std::string tls_peer::version() const {
    return ok_ ? SSL_get_version(ssl_) : "";
}

std::string tls_peer::peer_fingerprint() const {
    if (!ok_) return {};
    X509* cert = SSL_get1_peer_certificate(ssl_);
    const auto out = fingerprint(cert);
    X509_free(cert);
    return out;
}

bool tls_peer::send(const std::string& bytes) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::size_t sent = 0;
    while (ok_ && sent < bytes.size()) {
        std::size_t n = 0;
        const int ret = SSL_write_ex(ssl_, bytes.data() + sent, bytes.size() - sent, &n);
        if (ret == 1) {
            sent += n;
            continue;
        }
        const int err = SSL_get_error(ssl_, ret);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return false;
        if (!wait(err == SSL_ERROR_WANT_READ, deadline)) return false;
    }
    return sent == bytes.size();
}

bool tls_peer::read_until(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[16384];
    // Only the new bytes (and the few before them) are searched: megabytes arrive in pieces.
    std::size_t from = 0;
    while (ok_ && in_.find(text, from) == std::string::npos) {
        from = in_.size() > text.size() ? in_.size() - text.size() : 0;
        std::size_t n = 0;
        const int ret = SSL_read_ex(ssl_, buf, sizeof buf, &n);
        if (ret == 1) {
            in_.append(buf, n);
            continue;
        }
        const int err = SSL_get_error(ssl_, ret);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return false;
        if (!wait(err == SSL_ERROR_WANT_READ, deadline)) return false;
    }
    return in_.find(text) != std::string::npos;
}

}  // namespace kata::e2e
