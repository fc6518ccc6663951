#pragma once
// A server whose directory is the HTTP one, against a directory_backend that knows the keys of
// server_support.hpp (team t1 owns spec s1 and agent a1; t2 owns spec s2).
#include "core/directory/http_directory.hpp"
#include "directory_backend.hpp"
#include "server_support.hpp"

namespace kata::e2e {

inline auth::http_directory_settings http_settings(const directory_backend& backend) {
    auth::http_directory_settings s;
    s.url = backend.url();
    s.host = "127.0.0.1";
    s.port = backend.port();
    s.base_path = "/kata-rt";
    s.timeout = 2000ms;
    s.pool_size = 4;
    // Off: these tests count the backend's requests; serve_revalidation_test.cpp turns it on.
    s.revalidate = 0ms;
    return s;
}

inline void teach_backend(directory_backend& backend) {
    backend.set_credential(auth::sha256_hex(key_t1),
                           {200, R"({"id":"t1","team":"t1","scopes":["subscribe","publish"]})"});
    backend.set_credential(auth::sha256_hex(key_t2),
                           {200, R"({"id":"t2","team":"t2","scopes":["subscribe"]})"});
    backend.set_credential(auth::sha256_hex(key_no_subscribe),
                           {200, R"({"id":"t1-pub","team":"t1","scopes":["publish"]})"});
    backend.set_credential(auth::sha256_hex(session_t1), {200, R"({"id":"u1","team":"t1"})"});
    backend.set_owner("spec:s1", {200, R"({"team":"t1"})"});
    backend.set_owner("spec:s2", {200, R"({"team":"t2"})"});
    backend.set_owner("agent:a1", {200, R"({"team":"t1"})"});
}

// The backend, its directory and a server using it; tests tune the settings before start().
struct http_directory_fixture {
    directory_backend backend;
    auth::http_directory_settings settings = http_settings(backend);
    std::shared_ptr<directory::http_directory> dir;
    std::unique_ptr<running_server> server;

    http_directory_fixture() { teach_backend(backend); }
    void start(config::server_config cfg = test_config()) {
        cfg.directory = {};
        cfg.directory.http = settings;
        dir = std::make_shared<directory::http_directory>(settings);
        server = std::make_unique<running_server>(std::move(cfg), dir);
    }
    std::uint16_t port() const { return server->port(); }
};

inline headers bearer(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
}

}  // namespace kata::e2e
