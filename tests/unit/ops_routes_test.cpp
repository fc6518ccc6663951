#include "core/server/http/ops_routes.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/auth/file_directory.hpp"

namespace kata::server {
namespace {

http_request get(std::string target) {
    http_request req{http::verb::get, target, 11};
    return req;
}

struct OpsRoutes : ::testing::Test {
    server_state state{config::server_config{},
                       std::make_shared<auth::file_directory>(auth::directory_config{})};
};

TEST_F(OpsRoutes, ReadyzIsOkUntilShutdownThen503WithAJsonError) {
    auto res = ops_route(get("/readyz"), state);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 200);
    state.stopping.store(true);
    res = ops_route(get("/readyz"), state);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 503);
    EXPECT_EQ(nlohmann::json::parse(res->body())["error"]["code"], "shutting_down");
    EXPECT_EQ(ops_route(get("/healthz"), state)->result_int(), 200) << "still alive";
}

TEST_F(OpsRoutes, MetricsIsPrometheusText) {
    const auto res = ops_route(get("/metrics?x=1"), state);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 200);
    EXPECT_EQ((*res)[http::field::content_type], metrics_content_type);
    EXPECT_NE(res->body().find("\nkata_rt_connections 0\n"), std::string::npos) << res->body();
    EXPECT_NE(res->body().find("process_resident_memory_bytes"), std::string::npos);
}

TEST_F(OpsRoutes, OtherPathsAndMethodsAreNotOurs) {
    EXPECT_FALSE(ops_route(get("/v1/publish"), state));
    http_request post{http::verb::post, "/metrics", 11};
    EXPECT_EQ(ops_route(post, state)->result_int(), 405);
}

}  // namespace
}  // namespace kata::server
