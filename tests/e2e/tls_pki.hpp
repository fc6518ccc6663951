#pragma once
// TLS for the end-to-end tests: a throwaway CA and certificates made with the `openssl` command in
// a temp dir, and a TLS peer on a real socket whose every wait has a deadline.
#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace kata::e2e {

// A CA (ca.pem) in a fresh temp dir, and certificates it signs. Throws std::runtime_error when
// `openssl` fails (with its output).
class test_pki {
  public:
    explicit test_pki(const std::string& ca_name = "kata-rt test CA");
    ~test_pki();  // removes the dir
    test_pki(const test_pki&) = delete;

    const std::string& dir() const { return dir_; }
    std::string ca_file() const { return dir_ + "/ca.pem"; }

    struct issued {
        std::string cert_file;
        std::string key_file;
    };
    // A server certificate for `names` (subjectAltName syntax), written to NAME.pem and NAME.key.
    issued issue(const std::string& name, const std::string& names = "DNS:localhost,IP:127.0.0.1");

  private:
    void run(const std::string& command);
    std::string dir_;
};

// The SHA-256 fingerprint (hex) of the certificate in a PEM file.
std::string pem_fingerprint(const std::string& cert_file);

// A TLS client connection to 127.0.0.1:port on a non-blocking socket, waiting with poll().
class tls_peer {
  public:
    // Connects and handshakes with `ctx` (verifying `host` when the context verifies). A
    // non-zero `receive_buffer` sets SO_RCVBUF first: a reader that stalls fills up fast.
    tls_peer(std::uint16_t port, ssl_ctx_st* ctx, const std::string& host = "localhost",
             int receive_buffer = 0);
    ~tls_peer();
    tls_peer(const tls_peer&) = delete;

    bool ok() const { return ok_; }
    const std::string& error() const { return error_; }
    // The negotiated protocol ("TLSv1.3") and the served certificate's SHA-256 (hex).
    std::string version() const;
    std::string peer_fingerprint() const;

    bool send(const std::string& bytes);
    // Reads until `text` has arrived (in everything read so far); false on EOF or deadline.
    bool read_until(const std::string& text,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
    const std::string& received() const { return in_; }

  private:
    bool wait(bool for_read, std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    ssl_st* ssl_ = nullptr;
    bool ok_ = false;
    std::string error_;
    std::string in_;
};

// A client context: verifies against `ca_file` when given, else verifies nothing; the protocol
// range is [min_version, max_version] (0: OpenSSL's default), with security level 0 so that old
// versions are offered at all (TLS 1.1: the server must be the one refusing).
std::shared_ptr<ssl_ctx_st> test_client_context(const std::string& ca_file, int min_version = 0,
                                                int max_version = 0);

}  // namespace kata::e2e
