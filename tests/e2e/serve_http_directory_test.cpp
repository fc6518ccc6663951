// `kata-rt serve` with directory.http, as a process: the header from the environment reaches the
// backend, and SIGHUP clears the cache (a revocation applies to the next connect at once) without
// re-checking open connections; a backend that writes more than one answer per request never
// gets one key's answer taken for another's.
#include <signal.h>

#include <fstream>

#include "directory_backend.hpp"
#include "http_directory_support.hpp"
#include "serve_process.hpp"

namespace kata::e2e {
namespace {

std::string temp_config(const std::string& content) {
    char path[] = "/tmp/kata-rt-serve-http-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

// With re-validation off (serve_revalidation_test.cpp has it on), only a subscribe re-checks an
// open connection.
TEST(ServeHttpDirectory, SighupClearsTheCacheWithoutAMassRecheck) {
    directory_backend backend;
    teach_backend(backend);
    const auto path = temp_config(
        R"({"listen":"127.0.0.1:0","threads":1,"directory":{"http":{"url":")" + backend.url() +
        R"(","cache_ttl_ms":600000,"revalidate_ms":0,)"
        R"("headers":{"Authorization":"env:KATA_RT_TEST_DIR_TOKEN"}}}})");
    serve_process serve({"--config", path}, {{"KATA_RT_TEST_DIR_TOKEN", "Bearer from-env"}});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();

    ws_peer open;
    ASSERT_TRUE(open.connect(*port, bearer(key_t1)));
    EXPECT_EQ(open.subscribe("spec:s1")["type"], "subscribed");
    const auto seen = backend.requests();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front().headers.at("Authorization"), "Bearer from-env");

    backend.forget_credential(auth::sha256_hex(key_t1));
    ws_peer cached;  // the cache (10 minutes here) still knows the key
    ASSERT_TRUE(cached.connect(*port, bearer(key_t1)));
    EXPECT_EQ(cached.subscribe("team:t1")["type"], "subscribed");

    const int asked = backend.authenticate_count();
    serve.signal(SIGHUP);
    ASSERT_TRUE(serve.wait_for_output("directory cache cleared"));
    EXPECT_EQ(backend.authenticate_count(), asked) << "no re-check of open connections";
    ws_peer revoked;
    ASSERT_TRUE(revoked.connect(*port, bearer(key_t1)));
    ASSERT_TRUE(revoked.wait_closed());
    EXPECT_EQ(revoked.close_code(), 4401);
    // The open connections stay until they next subscribe.
    open.send({{"type", "ping"}, {"requestId", "p"}});
    const auto pong = open.next();
    ASSERT_TRUE(pong);
    EXPECT_EQ((*pong)["type"], "pong");
    open.send({{"type", "subscribe"}, {"channel", "spec:s1"}, {"requestId", "again"}});
    ASSERT_TRUE(open.wait_closed());
    EXPECT_EQ(open.close_code(), 4401);
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait_exit(10s), 0);
    std::remove(path.c_str());
}

TEST(ServeHttpDirectory, DoubledBackendAnswersNeverAdmitAnotherKey) {
    directory_backend backend;
    teach_backend(backend);
    backend.set_framing(directory_backend::framing::doubled);
    const auto path =
        temp_config(R"({"listen":"127.0.0.1:0","threads":1,"directory":{"http":{"url":")" +
                    backend.url() + R"(","pool_size":1}}})");
    serve_process serve({"--config", path});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    const json event{{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", json::object()}};
    EXPECT_EQ(publish(*port, key_t1, event).status, 200);
    // Each answer written twice: the spare copy of key_t1's must not answer the next lookup.
    ASSERT_TRUE(eventually([&] { return backend.answers_done() == backend.authenticate_count(); }));
    EXPECT_EQ(publish(*port, "no-such-key", event).status, 401);
    ASSERT_TRUE(eventually([&] { return backend.answers_done() == backend.authenticate_count(); }));
    EXPECT_EQ(publish(*port, key_t2, event).status, 403) << "key_t2 holds no publish scope";
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait_exit(10s), 0);
    std::remove(path.c_str());
}

}  // namespace
}  // namespace kata::e2e
