// `kata-rt serve --log-format json --log-level debug` as a process: every line is JSON, the
// refusals are there with their reason and address, and no credential ever reaches the log
// except the dev key's single banner line.
#include <signal.h>

#include <sstream>

#include "serve_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

std::vector<json> json_lines(const std::string& output, std::vector<std::string>& bad) {
    std::vector<json> lines;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        auto doc = json::parse(line, nullptr, false);
        if (doc.is_object() && doc.contains("time") && doc.contains("level") &&
            doc.contains("msg")) {
            lines.push_back(std::move(doc));
        } else {
            bad.push_back(line);
        }
    }
    return lines;
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1))
        ++n;
    return n;
}

bool any_line(const std::vector<json>& lines, const json& subset) {
    for (const auto& line : lines) {
        bool all = true;
        for (const auto& [k, v] : subset.items())
            all = all && line.contains(k) && line[k] == v;
        if (all) return true;
    }
    return false;
}

TEST(ServeLogs, JsonLogsCarryNoCredentialAndEveryLineIsJson) {
    serve_process serve({"--listen", "127.0.0.1:0", "--log-format", "json", "--log-level", "debug"},
                        {{"KATA_RT_API_KEY", ""}});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    std::vector<std::string> bad;
    std::string dev_key;
    for (const auto& line : json_lines(serve.output(), bad)) {
        if (line.contains("api_key")) dev_key = line["api_key"];
    }
    ASSERT_TRUE(dev_key.starts_with("dev_")) << serve.output();

    const std::string bad_bearer = "bad-bearer-SECRET-1";
    const std::string bad_x_key = "bad-xkey-SECRET-2";
    const std::string cookie_ok_origin = "cookie-SECRET-3";
    const std::string cookie_bad_origin = "cookie-SECRET-4";
    const std::string bad_publish_key = "bad-publish-SECRET-5";
    const std::string cookie_beside_key = "cookie-SECRET-6";
    const std::vector<std::string> secrets = {bad_bearer,       bad_x_key,
                                              cookie_ok_origin, cookie_bad_origin,
                                              bad_publish_key,  cookie_beside_key};

    ws_peer good;
    ASSERT_TRUE(good.connect(*port, {{"Authorization", "Bearer " + dev_key}}));
    EXPECT_EQ(good.subscribe("team:dev")["type"], "subscribed");
    EXPECT_EQ(good.subscribe("team:other")["payload"]["code"], "forbidden");
    ws_peer good_x;
    ASSERT_TRUE(good_x.connect(
        *port, {{"X-API-Key", dev_key}, {"Cookie", "kata_session=" + cookie_beside_key}}));
    EXPECT_EQ(good_x.subscribe("spec:7")["type"], "subscribed");
    EXPECT_EQ(publish(*port, dev_key, {{"channel", "team:dev"}, {"type", "log_entry"}}).status,
              200);
    EXPECT_TRUE(good.next_of("log_entry"));
    EXPECT_EQ(
        publish(*port, bad_publish_key, {{"channel", "team:dev"}, {"type", "log_entry"}}).status,
        401);

    ws_peer bad1, bad2, cookie1;
    ASSERT_TRUE(bad1.connect(*port, {{"Authorization", "Bearer " + bad_bearer}}));
    ASSERT_TRUE(bad2.connect(*port, {{"X-API-Key", bad_x_key}}));
    ASSERT_TRUE(cookie1.connect(*port, {{"Cookie", "kata_session=" + cookie_ok_origin},
                                        {"Origin", "http://localhost:3000"}}));
    for (auto* p : {&bad1, &bad2, &cookie1}) {
        ASSERT_TRUE(p->wait_closed());
        EXPECT_EQ(p->close_code(), 4401);
    }
    ws_peer cookie2;
    EXPECT_FALSE(cookie2.connect(*port, {{"Cookie", "kata_session=" + cookie_bad_origin},
                                         {"Origin", "https://evil.example"}}));
    EXPECT_EQ(cookie2.http_status(), 403);
    good_x.send_text(std::string(20000, 'x'));  // over max_message_bytes: 1009
    ASSERT_TRUE(good_x.wait_closed());

    serve.signal(SIGTERM);
    ASSERT_EQ(serve.wait_exit(10s), 0);
    const auto& out = serve.output();
    bad.clear();
    const auto lines = json_lines(out, bad);
    EXPECT_TRUE(bad.empty()) << "not JSON: " << (bad.empty() ? "" : bad.front());
    for (const auto& secret : secrets)
        EXPECT_EQ(occurrences(out, secret), 0u) << secret << " leaked:\n" << out;
    EXPECT_EQ(occurrences(out, dev_key), 1u) << "the dev key is printed once, in the banner";

    EXPECT_TRUE(any_line(lines, {{"msg", "connection refused"}, {"code", 4401}})) << out;
    EXPECT_TRUE(any_line(lines, {{"msg", "connection refused"}, {"code", 403}})) << out;
    EXPECT_TRUE(any_line(lines, {{"msg", "connection closed"}, {"code", 1009}, {"who", "dev"}}));
    EXPECT_TRUE(any_line(lines, {{"msg", "subscribe denied"}, {"channel", "team:other"}}));
    EXPECT_TRUE(
        any_line(lines, {{"msg", "http request"}, {"path", "/v1/publish"}, {"status", 401}}));
    EXPECT_TRUE(any_line(lines, {{"msg", "connection open"}, {"who", "dev"}}));
    for (const auto& line : lines) {
        if (line["msg"] == "connection refused") {
            EXPECT_TRUE(line["remote"].get<std::string>().starts_with("127.0.0.1:")) << line;
        }
    }
}

}  // namespace
}  // namespace kata::e2e

namespace kata::e2e {
namespace {

TEST(ServeLogs, ARefusalFloodIsRateLimitedAndTheSuppressedAreCounted) {
    serve_process serve({"--listen", "127.0.0.1:0"}, {{"KATA_RT_API_KEY", ""}});
    const auto port = serve.wait_listening();
    ASSERT_TRUE(port) << serve.output();
    constexpr int flood = 60;
    for (int i = 0; i < flood; ++i) {
        ws_peer peer;
        ASSERT_TRUE(peer.connect(*port));  // no credential: 4401
    }
    // The count arrives with the next refusal or, as here, from the server's periodic flush.
    ASSERT_TRUE(serve.wait_for_output("refusal lines suppressed reason=unauthorized"))
        << serve.output();
    const auto refused = occurrences(serve.output(), "connection refused reason=unauthorized");
    EXPECT_GE(refused, 10u);
    EXPECT_LT(refused, static_cast<std::size_t>(flood)) << "at most 10 per second";
}

}  // namespace
}  // namespace kata::e2e
