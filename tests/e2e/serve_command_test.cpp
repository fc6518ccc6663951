// `kata-rt serve` as a process: dev mode, config errors, SIGHUP reload, SIGTERM shutdown.
#include <signal.h>

#include <fstream>

#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

std::string temp_file(const std::string& content) {
    char path[] = "/tmp/kata-rt-serve-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

std::string config_with_key(const std::string& key) {
    return R"({"listen":"127.0.0.1:0","threads":1,"directory":{"api_keys":[{"id":"k","sha256":")" +
           auth::sha256_hex(key) + R"(","team":"t1","scopes":["subscribe","publish"]}]}})";
}

TEST(ServeCommand, DevModeListensOnLoopbackAndPrintsAWorkingKey) {
    serve_process serve({"--listen", "127.0.0.1:0"}, {{"KATA_RT_API_KEY", ""}});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port);
    EXPECT_NE(serve.output().find("DEV MODE"), std::string::npos);
    const auto at = serve.output().find("dev_");
    ASSERT_NE(at, std::string::npos);
    const auto key = serve.output().substr(at, serve.output().find('\n', at) - at);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(*port, {{"Authorization", "Bearer " + key}}));
    EXPECT_EQ(peer.subscribe("spec:anything")["type"], "subscribed") << "team dev owns every spec";
    EXPECT_EQ(peer.subscribe("team:dev")["type"], "subscribed");
    EXPECT_EQ(publish(*port, key, {{"channel", "team:dev"}, {"type", "log_entry"}}).status, 200);
}

TEST(ServeCommand, DevModeUsesKataRtApiKeyWhenSetAndNeverPrintsIt) {
    serve_process serve({"--listen", "127.0.0.1:0"}, {{"KATA_RT_API_KEY", "my-dev-key-123"}});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port);
    EXPECT_EQ(serve.output().find("my-dev-key-123"), std::string::npos);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(*port, {{"X-API-Key", "my-dev-key-123"}}));
    EXPECT_EQ(peer.subscribe("team:dev")["type"], "subscribed");
}

TEST(ServeCommand, BadConfigIsRefusedNamingTheKey) {
    const auto path = temp_file(R"({"limits":{"max_queued_bytes":"lots"},"directory":{}})");
    serve_process serve({"--config", path});
    EXPECT_EQ(serve.wait_exit(10s), 2);
    EXPECT_NE(serve.output().find("limits.max_queued_bytes"), std::string::npos) << serve.output();
}

TEST(ServeCommand, SigtermClosesClientsWith1001AndExitsZero) {
    const auto path = temp_file(config_with_key(key_t1));
    serve_process serve({"--config", path});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port);
    ws_peer peer;
    ASSERT_TRUE(peer.connect(*port, {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_EQ(peer.subscribe("team:t1")["type"], "subscribed");
    const auto started = std::chrono::steady_clock::now();
    serve.signal(SIGTERM);
    ASSERT_TRUE(peer.wait_closed());
    EXPECT_EQ(peer.close_code(), 1001);
    EXPECT_EQ(serve.wait_exit(5s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(ServeCommand, SighupReloadsTheDirectoryAndClosesConnectionsOfRevokedKeys) {
    const auto path = temp_file(config_with_key(key_t1));
    serve_process serve({"--config", path});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port);
    ws_peer old_peer;
    ASSERT_TRUE(old_peer.connect(*port, {{"Authorization", "Bearer " + key_t1}}));

    std::ofstream(path) << "{broken";
    serve.signal(SIGHUP);
    ASSERT_TRUE(serve.wait_for_output("keeping the old directory"));
    ws_peer still_old;
    ASSERT_TRUE(still_old.connect(*port, {{"Authorization", "Bearer " + key_t1}}));
    EXPECT_EQ(still_old.subscribe("team:t1")["type"], "subscribed");

    std::ofstream(path) << config_with_key("rotated-key");
    serve.signal(SIGHUP);
    ASSERT_TRUE(serve.wait_for_output("directory reloaded"));
    ws_peer rotated;
    ASSERT_TRUE(rotated.connect(*port, {{"Authorization", "Bearer rotated-key"}}));
    EXPECT_EQ(rotated.subscribe("team:t1")["type"], "subscribed");
    ws_peer revoked;
    ASSERT_TRUE(revoked.connect(*port, {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(revoked.wait_closed());
    EXPECT_EQ(revoked.close_code(), 4401);
    // The open connection of the revoked key is closed too (issue #14: revocation).
    ASSERT_TRUE(old_peer.wait_closed());
    EXPECT_EQ(old_peer.close_code(), 4401);
    rotated.send({{"type", "ping"}});
    EXPECT_EQ((*rotated.next())["type"], "pong") << "a connection whose key is kept stays open";
}

TEST(ServeCommand, HelpExitsZero) {
    serve_process serve({"--help"});
    EXPECT_EQ(serve.wait_exit(10s), 0);
}

}  // namespace
}  // namespace kata::e2e
