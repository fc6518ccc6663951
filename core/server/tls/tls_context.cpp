#include "core/server/tls/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "core/server/tls/tls_transport.hpp"

namespace kata::server {
namespace {

// A missing or unreadable file is named by errno: OpenSSL's own reason ("system lib") is not.
std::string unreadable(const std::string& path) {
    std::ifstream in(path);
    if (in) return {};
    return std::strerror(errno);
}

tls_context_result refuse(const char* key, const std::string& path, const std::string& why) {
    return {nullptr, key, std::string(key) + ": cannot use " + path + ": " + why};
}

tls_context_ptr new_context(const SSL_METHOD* method) {
    tls_context_ptr ctx(SSL_CTX_new(method), SSL_CTX_free);
    if (!ctx) throw std::bad_alloc();
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

}  // namespace

tls_context_result load_server_tls(const config::tls_settings& settings) {
    const auto& cert = settings.cert_file;
    const auto& key = settings.key_file;
    if (auto why = unreadable(cert); !why.empty()) return refuse("tls.cert_file", cert, why);
    if (auto why = unreadable(key); !why.empty()) return refuse("tls.key_file", key, why);
    auto ctx = new_context(TLS_server_method());
    SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1) {
        return refuse("tls.cert_file", cert,
                      "not a PEM certificate (" + openssl_error("unreadable") + ")");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
        return refuse("tls.key_file", key,
                      "not an unencrypted PEM private key (" + openssl_error("unreadable") + ")");
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
        return refuse(
            "tls.key_file", key,
            "does not match the certificate of tls.cert_file (" + openssl_error("mismatch") + ")");
    }
    return {std::move(ctx), {}, {}};
}

}  // namespace kata::server
