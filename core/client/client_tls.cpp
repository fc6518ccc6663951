#include "core/client/client_tls.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <new>
#include <stdexcept>

namespace kata::client {
namespace {

std::string openssl_reason(const char* fallback) {
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    return reason ? reason : fallback;
}

}  // namespace

std::shared_ptr<ssl_ctx_st> make_client_tls(const std::string& ca_file) {
    std::shared_ptr<ssl_ctx_st> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!ctx) throw std::bad_alloc();
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    ERR_clear_error();
    if (ca_file.empty()) {
        if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
            throw std::invalid_argument("cannot load the system's trust store: " +
                                        openssl_reason("unknown error"));
        }
        return ctx;
    }
    if (!std::ifstream(ca_file)) {
        throw std::invalid_argument("--ca-file " + ca_file + ": " + std::strerror(errno));
    }
    if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) {
        throw std::invalid_argument("--ca-file " + ca_file + ": not a PEM certificate (" +
                                    openssl_reason("unreadable") + ")");
    }
    return ctx;
}

void expect_host(ssl_st* ssl, const std::string& host) {
    unsigned char addr[16];
    if (inet_pton(AF_INET, host.c_str(), addr) == 1 ||
        inet_pton(AF_INET6, host.c_str(), addr) == 1) {
        // An address is checked against the certificate's IP entries; SNI carries names only.
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
        return;
    }
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
}

std::string verify_failure(const ssl_st* ssl) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify == X509_V_OK) return {};
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
}

}  // namespace kata::client
