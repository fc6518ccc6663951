#pragma once
#include <openssl/types.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "load/url.hpp"

namespace kata::load {

struct http_reply {
    unsigned status = 0;
    std::string body;
};

// A TLS handshake that failed; `verify` when the server's certificate did not verify (retrying
// cannot help).
struct tls_failure : std::runtime_error {
    tls_failure(const std::string& what, bool certificate)
        : std::runtime_error(what), verify(certificate) {}
    bool verify;
};

// A keep-alive HTTP/1.1 client for `POST /v1/publish`, used by both `kata-rt publish` and the
// loadtest publisher. One request at a time; a connection the server closed between requests is
// reopened once, transparently. Network failures (refused, reset, timeout) throw
// boost::system::system_error, a failed TLS handshake tls_failure; any HTTP status is returned,
// not thrown. An https:// URL needs `tls`, a client context (core/client/client_tls.hpp).
class publish_client {
  public:
    publish_client(boost::asio::any_io_executor executor, endpoint_url url, std::string api_key,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10),
                   std::shared_ptr<ssl_ctx_st> tls = nullptr);
    ~publish_client();
    publish_client(const publish_client&) = delete;
    publish_client& operator=(const publish_client&) = delete;

    boost::asio::awaitable<http_reply> post(std::string body);

    // Closes the connection (pending operations fail).
    void close();

  private:
    struct impl;  // holds the Beast (or TLS) stream, kept out of this header
    std::unique_ptr<impl> impl_;
};

// The `{"error":{"message":...}}` text of an error body, or the body itself when it has none.
std::string error_message_of(const http_reply& reply);

}  // namespace kata::load
