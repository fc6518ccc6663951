// `kata-rt serve` with `tls` as a process (SIGHUP rotates the certificate, --check-config loads
// the files), and the command-line clients over TLS: subscribe, publish, loadtest.
#include <signal.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "core/auth/digest.hpp"
#include "run_binary.hpp"
#include "serve_process.hpp"
#include "server_support.hpp"
#include "tls_pki.hpp"

namespace kata::e2e {
namespace {

const std::string cli_key = "tls-cli-key-0123456789";

// A config file in the PKI's dir naming cert.pem and key.pem next to it (relative paths).
std::string write_config(const test_pki& pki, const std::string& tls_json) {
    const auto path = pki.dir() + "/config.json";
    std::ofstream(path) << R"({"listen":"127.0.0.1:0","threads":1,)" << tls_json
                        << R"(,"directory":{"api_keys":[{"id":"cli","sha256":")"
                        << auth::sha256_hex(cli_key)
                        << R"(","team":"t1","scopes":["subscribe","publish"]}],)"
                        << R"("specs":{"s0":"t1","s1":"t1"}}})";
    return path;
}

// Installs `issued` as cert.pem/key.pem of the config, each replaced in one rename.
void install(const test_pki& pki, const test_pki::issued& issued) {
    for (const auto& [from, to] : {std::pair{issued.cert_file, std::string("cert.pem")},
                                   std::pair{issued.key_file, std::string("key.pem")}}) {
        std::filesystem::copy_file(from, pki.dir() + "/tmp",
                                   std::filesystem::copy_options::overwrite_existing);
        std::filesystem::rename(pki.dir() + "/tmp", pki.dir() + "/" + to);
    }
}

constexpr const char* tls_files = R"("tls":{"cert_file":"cert.pem","key_file":"key.pem"})";

std::optional<std::uint16_t> wss_port(serve_process& serve) {
    const std::string marker = "listening on wss://127.0.0.1:";
    if (!serve.wait_for_output("/v1/ws")) return std::nullopt;
    const auto at = serve.output().find(marker);
    if (at == std::string::npos) return std::nullopt;
    return static_cast<std::uint16_t>(std::stoi(serve.output().substr(at + marker.size())));
}

std::string served_fingerprint(std::uint16_t port, const test_pki& pki) {
    auto ctx = test_client_context(pki.ca_file());
    tls_peer peer(port, ctx.get());
    return peer.ok() ? peer.peer_fingerprint() : "handshake failed: " + peer.error();
}

TEST(TlsServe, SighupRotatesTheCertificateForNewConnectionsAndKeepsOpenOnes) {
    test_pki pki;
    const auto first = pki.issue("first");
    install(pki, first);
    const auto config = write_config(pki, tls_files);
    serve_process serve({"--config", config});
    const auto port = wss_port(serve);
    ASSERT_TRUE(port) << serve.output();
    EXPECT_EQ(served_fingerprint(*port, pki), pem_fingerprint(first.cert_file));

    // A connection opened before the rotation: it must stay up through it.
    auto ctx = test_client_context(pki.ca_file());
    tls_peer open(*port, ctx.get());
    ASSERT_TRUE(open.ok()) << open.error();
    ASSERT_TRUE(open.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    ASSERT_TRUE(open.read_until("\"ok\"")) << open.received();

    const auto second = pki.issue("second");
    install(pki, second);
    serve.signal(SIGHUP);
    ASSERT_TRUE(serve.wait_for_output("tls certificate reloaded")) << serve.output();
    EXPECT_EQ(served_fingerprint(*port, pki), pem_fingerprint(second.cert_file));
    EXPECT_NE(pem_fingerprint(first.cert_file), pem_fingerprint(second.cert_file));

    ASSERT_TRUE(open.send("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    EXPECT_TRUE(open.read_until("\"ready\"")) << "the open connection did not survive";

    // A broken file keeps the certificate in use and says why.
    std::ofstream(pki.dir() + "/cert.pem") << "not a certificate\n";
    serve.signal(SIGHUP);
    ASSERT_TRUE(serve.wait_for_output("tls reload failed")) << serve.output();
    EXPECT_NE(serve.output().find("tls.cert_file"), std::string::npos) << serve.output();
    EXPECT_EQ(served_fingerprint(*port, pki), pem_fingerprint(second.cert_file));
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait_exit(10s), 0);
}

TEST(TlsServe, CheckConfigLoadsTheTlsFiles) {
    test_pki pki;
    const auto config = write_config(pki, tls_files);
    auto missing = run_binary("serve --check-config --config " + config);
    EXPECT_EQ(missing.exit_code, 2) << missing.output;
    EXPECT_NE(missing.output.find("tls.cert_file"), std::string::npos) << missing.output;

    const auto one = pki.issue("one");
    const auto two = pki.issue("two");
    std::filesystem::copy_file(one.cert_file, pki.dir() + "/cert.pem");
    std::filesystem::copy_file(two.key_file, pki.dir() + "/key.pem");  // not its key
    auto mismatch = run_binary("serve --check-config --config " + config);
    EXPECT_EQ(mismatch.exit_code, 2) << mismatch.output;
    EXPECT_NE(mismatch.output.find("tls.key_file"), std::string::npos) << mismatch.output;

    install(pki, one);
    auto good = run_binary("serve --check-config --config " + config);
    EXPECT_EQ(good.exit_code, 0) << good.output;
    EXPECT_NE(good.output.find("config ok"), std::string::npos) << good.output;

    const auto unknown = write_config(pki, R"("tls":{"cert_file":"cert.pem","key":"key.pem"})");
    auto bad_key = run_binary("serve --check-config --config " + unknown);
    EXPECT_EQ(bad_key.exit_code, 2) << bad_key.output;
    EXPECT_NE(bad_key.output.find("tls.key"), std::string::npos) << bad_key.output;
}

struct tls_serve_fixture {
    tls_serve_fixture() {
        install(pki, pki.issue("server"));
        serve.emplace(std::vector<std::string>{"--config", write_config(pki, tls_files)});
        port = wss_port(*serve).value_or(0);
    }
    std::string https() const { return "https://localhost:" + std::to_string(port); }
    std::string wss() const { return "wss://localhost:" + std::to_string(port) + "/v1/ws"; }
    test_pki pki;
    std::optional<serve_process> serve;
    std::uint16_t port = 0;
};

TEST(TlsCli, SubscribeAndPublishOverTls) {
    tls_serve_fixture f;
    ASSERT_NE(f.port, 0) << f.serve->output();
    auto subscriber = std::async(std::launch::async, [&] {
        return run_binary("subscribe --url " + f.wss() + " --ca-file " + f.pki.ca_file() +
                          " --api-key " + cli_key + " --count 1 --timeout 20 spec:s1");
    });
    // Publish until the subscriber has its event (it may subscribe after the first publishes).
    bool published = false;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (subscriber.wait_for(0ms) != std::future_status::ready &&
           std::chrono::steady_clock::now() < deadline) {
        auto pub = run_binary("publish --url " + f.https() + " --ca-file " + f.pki.ca_file() +
                              " --api-key " + cli_key +
                              " --channel spec:s1 --type log_entry --payload '{\"x\":1}'");
        ASSERT_EQ(pub.exit_code, 0) << pub.output;
        published = true;
        subscriber.wait_for(200ms);  // a bounded wait for the event, not a sleep: it ends early
    }
    ASSERT_TRUE(published);
    const auto sub = subscriber.get();
    EXPECT_EQ(sub.exit_code, 0) << sub.output;
    EXPECT_NE(sub.output.find(R"("payload":{"x":1})"), std::string::npos) << sub.output;
}

TEST(TlsCli, ACertificateFromAnotherCaExitsOneWithTheReason) {
    tls_serve_fixture f;
    ASSERT_NE(f.port, 0) << f.serve->output();
    test_pki other("another CA");
    const auto ca = " --ca-file " + other.ca_file() + " --api-key " + cli_key;
    auto sub = run_binary("subscribe --url " + f.wss() + ca + " --timeout 20 spec:s1");
    EXPECT_EQ(sub.exit_code, 1) << sub.output;
    EXPECT_NE(sub.output.find("certificate verify failed"), std::string::npos) << sub.output;
    EXPECT_EQ(sub.output.find("reconnecting"), std::string::npos) << sub.output;

    auto pub =
        run_binary("publish --url " + f.https() + ca + " --channel spec:s1 --type log_entry");
    EXPECT_EQ(pub.exit_code, 1) << pub.output;
    EXPECT_NE(pub.output.find("certificate verify failed"), std::string::npos) << pub.output;

    auto load = run_binary("loadtest --url " + f.wss() + ca + " --connections 2 --duration 1s");
    EXPECT_EQ(load.exit_code, 1) << load.output;
    EXPECT_NE(load.output.find("certificate verify failed"), std::string::npos) << load.output;
}

TEST(TlsCli, LoadtestOverWssLosesNothing) {
    tls_serve_fixture f;
    ASSERT_NE(f.port, 0) << f.serve->output();
    auto load = run_binary("loadtest --url " + f.wss() + " --ca-file " + f.pki.ca_file() +
                           " --api-key " + cli_key +
                           " --channel-prefix spec:s --channels 2 --connections 20 --rate 200"
                           " --duration 1s --ramp 200ms");
    EXPECT_EQ(load.exit_code, 0) << load.output;
    EXPECT_NE(load.output.find("subscribed 20/20"), std::string::npos) << load.output;
    EXPECT_NE(load.output.find("lost 0"), std::string::npos) << load.output;
}

}  // namespace
}  // namespace kata::e2e
