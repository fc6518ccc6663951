#pragma once
#include <openssl/types.h>

#include <memory>
#include <string>

namespace kata::client {

// The TLS side every client of kata-rt shares (the reconnecting client, `kata-rt publish`, the
// loadtest): TLS 1.2 or 1.3, the server's certificate verified against `ca_file` (PEM) or, when
// empty, the system's trust store. Throws std::invalid_argument naming the file when it cannot be
// used.
std::shared_ptr<ssl_ctx_st> make_client_tls(const std::string& ca_file);

// Before the handshake: SNI, and the host name (or IP address) the certificate must be for.
void expect_host(ssl_st* ssl, const std::string& host);

// After a failed handshake: "certificate verify failed: <why>", or empty when the certificate was
// not the problem. A verification failure is final: retrying cannot fix it.
std::string verify_failure(const ssl_st* ssl);

}  // namespace kata::client
