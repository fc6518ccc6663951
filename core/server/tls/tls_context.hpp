#pragma once
#include <openssl/types.h>

#include <memory>
#include <mutex>
#include <string>

#include "core/config/server_config.hpp"

namespace kata::server {

using tls_context_ptr = std::shared_ptr<ssl_ctx_st>;

// A loaded context, or why not: `key` is the config key at fault ("tls.cert_file" or
// "tls.key_file") and `message` names it too.
struct tls_context_result {
    tls_context_ptr context;
    std::string key;
    std::string message;
};

// The listener's context: certificate chain and key from PEM files, TLS 1.2 and 1.3 only, no
// renegotiation, no compression. Each connection's SSL holds its own reference, so replacing the
// context (SIGHUP) leaves open connections on the one they started with.
tls_context_result load_server_tls(const config::tls_settings& settings);

// The listener's current context: the accept loop takes it per connection, SIGHUP replaces it.
class tls_context_slot {
  public:
    tls_context_ptr get() const {
        std::lock_guard lock(mutex_);
        return context_;
    }
    void set(tls_context_ptr context) {
        std::lock_guard lock(mutex_);
        context_ = std::move(context);
    }

  private:
    mutable std::mutex mutex_;
    tls_context_ptr context_;
};

}  // namespace kata::server
