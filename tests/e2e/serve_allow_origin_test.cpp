// `kata-rt serve --allow-origin` and KATA_RT_ALLOWED_ORIGINS: a dev server for an app on another
// port (Vite 5173, Angular 4200) accepts that app's cookie connection, and the banner says which
// origins are allowed; dev mode sizes max_connections to the open-file limit without a warning;
// the banner and /metrics carry the version.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "core/auth/digest.hpp"
#include "core/config/dev_config.hpp"
#include "core/config/version.hpp"
#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

const std::string dev_key = "dev-key-for-origin-tests";

// Upgrades with the dev page's session cookie from `origin`: the HTTP status when refused, 101
// once a subscribe was answered `subscribed`.
int cookie_connect(std::uint16_t port, const std::string& origin) {
    ws_peer peer;
    const auto token = config::dev_session_token(dev_key);
    if (!peer.connect(port, {{"Cookie", "kata_session=" + token}, {"Origin", origin}})) {
        return peer.http_status();
    }
    return peer.subscribe("team:dev")["type"] == "subscribed" ? 101 : 0;
}

std::string banner_origins(const std::string& output) {
    const std::string label = "allowed origins";
    const auto at = output.find(label);
    if (at == std::string::npos) return {};
    return output.substr(at, output.find('\n', at) - at);
}

TEST(ServeAllowOrigin, DevModeAcceptsACookieConnectionFromTheGivenOrigin) {
    serve_process serve({"--listen", "127.0.0.1:0", "--allow-origin", "http://localhost:5173"},
                        {{"KATA_RT_API_KEY", dev_key}, {"KATA_RT_ALLOWED_ORIGINS", ""}});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    EXPECT_EQ(cookie_connect(*port, "http://localhost:5173"), 101);
    EXPECT_EQ(cookie_connect(*port, "http://localhost:3000"), 101) << "dev defaults kept";
    EXPECT_EQ(cookie_connect(*port, "http://localhost:5174"), 403);
    const auto line = banner_origins(serve.output());
    EXPECT_NE(line.find("http://localhost:5173"), std::string::npos) << serve.output();
    EXPECT_NE(line.find("http://localhost:3000"), std::string::npos) << serve.output();
}

TEST(ServeAllowOrigin, TheVariableIsCommaSeparatedAndTheFlagWinsOverIt) {
    {
        serve_process serve(
            {"--listen", "127.0.0.1:0"},
            {{"KATA_RT_API_KEY", dev_key},
             {"KATA_RT_ALLOWED_ORIGINS", "http://localhost:4200, http://localhost:5173"}});
        const auto port = serve.wait_listening();
        ASSERT_TRUE(port) << serve.output();
        EXPECT_EQ(cookie_connect(*port, "http://localhost:4200"), 101);
        EXPECT_EQ(cookie_connect(*port, "http://localhost:5173"), 101);
    }
    serve_process serve(
        {"--listen", "127.0.0.1:0", "--allow-origin", "http://localhost:8081"},
        {{"KATA_RT_API_KEY", dev_key}, {"KATA_RT_ALLOWED_ORIGINS", "http://localhost:4200"}});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    EXPECT_EQ(cookie_connect(*port, "http://localhost:8081"), 101);
    EXPECT_EQ(cookie_connect(*port, "http://localhost:4200"), 403);
}

TEST(ServeAllowOrigin, AnOriginABrowserNeverSendsIsRefusedAtStart) {
    serve_process serve({"--listen", "127.0.0.1:0", "--allow-origin", "http://localhost:5173/"},
                        {{"KATA_RT_API_KEY", dev_key}});
    EXPECT_EQ(serve.wait_exit(10s), 2);
    EXPECT_NE(serve.output().find("'http://localhost:5173/'"), std::string::npos) << serve.output();
}

TEST(ServeAllowOrigin, WithAConfigTheOriginIsAddedToAllowedOrigins) {
    char path[] = "/tmp/kata-rt-origin-XXXXXX";
    close(mkstemp(path));
    const auto token = config::dev_session_token(dev_key);
    std::ofstream(path) << R"({"listen":"127.0.0.1:0","threads":1,)"
                        << R"("allowed_origins":["https://app.example.com"],"directory":{)"
                        << R"("sessions":[{"sha256":")" << auth::sha256_hex(token)
                        << R"(","user":"u","team":"dev"}]}})";
    serve_process serve({"--config", path, "--allow-origin", "http://localhost:5173"});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    EXPECT_EQ(cookie_connect(*port, "http://localhost:5173"), 101);
    EXPECT_EQ(cookie_connect(*port, "https://app.example.com"), 101);
    EXPECT_EQ(cookie_connect(*port, "http://localhost:3000"), 403) << "no dev defaults here";
    std::remove(path);
}

TEST(ServeDevMode, SizesMaxConnectionsToTheOpenFileLimitWithoutAWarning) {
    serve_process serve({"--listen", "127.0.0.1:0"}, {{"KATA_RT_API_KEY", dev_key}},
                        {"/usr/bin/prlimit", "--nofile=256:256", "--"});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    EXPECT_EQ(serve.output().find("max_connections"), std::string::npos) << serve.output();
    EXPECT_EQ(cookie_connect(*port, "http://localhost:3000"), 101);
}

TEST(ServeVersion, TheBannerAndTheBuildInfoMetricCarryTheVersion) {
    serve_process serve({"--listen", "127.0.0.1:0"}, {{"KATA_RT_API_KEY", dev_key}});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    const std::string version(config::version());
    EXPECT_NE(serve.output().find("(kata-rt " + version + ")"), std::string::npos)
        << serve.output();
    const auto metrics = http_request(*port, "GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.text.find("\nkata_rt_build_info{version=\"" + version + "\"} 1\n"),
              std::string::npos)
        << metrics.text.substr(0, 400);
}

}  // namespace
}  // namespace kata::e2e
