#include "load/threshold.hpp"

#include <gtest/gtest.h>

#include "load/report.hpp"

namespace kata::load {
namespace {

threshold parse_ok(std::string_view text) {
    auto parsed = parse_threshold(text);
    if (auto* err = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << *err;
        return {};
    }
    return std::get<threshold>(parsed);
}

std::string parse_error(std::string_view text) {
    auto parsed = parse_threshold(text);
    if (!std::holds_alternative<std::string>(parsed)) {
        ADD_FAILURE() << text << " parsed";
        return {};
    }
    return std::get<std::string>(parsed);
}

TEST(Threshold, ParsesLatencyWithUnitIntoMicroseconds) {
    EXPECT_EQ(parse_ok("p99<25ms"), (threshold{"p99<25ms", metric::p99, comparison::less, 25000}));
    EXPECT_EQ(parse_ok("p50<=1s").value, 1'000'000u);
    EXPECT_EQ(parse_ok("p50<=1s").op, comparison::less_equal);
    EXPECT_EQ(parse_ok("max<800us").value, 800u);
    EXPECT_EQ(parse_ok("p99.9<1.5ms").what, metric::p999);
    EXPECT_EQ(parse_ok("p99.9<1.5ms").value, 1500u);
    EXPECT_EQ(parse_ok("connect_p99<100ms").what, metric::connect_p99);
}

TEST(Threshold, ParsesCounts) {
    EXPECT_EQ(parse_ok("loss==0"), (threshold{"loss==0", metric::loss, comparison::equal, 0}));
    EXPECT_EQ(parse_ok("duplicated==0").what, metric::duplicated);
    EXPECT_EQ(parse_ok("reordered<=3").value, 3u);
    EXPECT_EQ(parse_ok("disconnects>=1").op, comparison::greater_equal);
    EXPECT_EQ(parse_ok(" loss == 0 ").text, "loss == 0");
}

TEST(Threshold, RejectsMalformedExpressions) {
    EXPECT_NE(parse_error("p99").find("METRIC OP VALUE"), std::string::npos);
    EXPECT_NE(parse_error("p98<5ms").find("unknown metric 'p98'"), std::string::npos);
    EXPECT_NE(parse_error("p99<25").find("unit"), std::string::npos);
    EXPECT_NE(parse_error("p99<25min").find("unit"), std::string::npos);
    EXPECT_NE(parse_error("loss==0ms").find("no unit"), std::string::npos);
    EXPECT_NE(parse_error("loss==0.5").find("whole"), std::string::npos);
    EXPECT_NE(parse_error("p99=!5ms").find("operator"), std::string::npos);
    EXPECT_NE(parse_error("p99<ms").find("number"), std::string::npos);
    EXPECT_NE(parse_error("p99<-1ms").find("number"), std::string::npos);
    EXPECT_NE(parse_error("p99<1.2.3ms").find("number"), std::string::npos);
}

TEST(Threshold, ErrorsNameTheExpression) {
    EXPECT_NE(parse_error("p98<5ms").find("'p98<5ms'"), std::string::npos);
}

report sample_report() {
    report r;
    for (std::uint64_t v = 1; v <= 1000; ++v)
        r.latency.record(v * 10);  // 10us .. 10ms
    r.connect_latency.record(2000);
    r.deliveries.lost = 2;
    r.disconnects[4008] = 1;
    return r;
}

TEST(Threshold, LatencyHoldsAndBreaches) {
    const auto r = sample_report();
    const auto results =
        evaluate_thresholds({parse_ok("p99<25ms"), parse_ok("p99<1us"), parse_ok("max<=10ms")}, r);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_TRUE(results[0].holds);
    EXPECT_FALSE(results[1].holds);
    EXPECT_EQ(results[1].check.text, "p99<1us");
    EXPECT_TRUE(results[2].holds);
}

TEST(Threshold, CountsCompareExactly) {
    const auto r = sample_report();
    const auto results =
        evaluate_thresholds({parse_ok("loss==0"), parse_ok("loss<=2"), parse_ok("disconnects==1"),
                             parse_ok("connect_p99<1ms")},
                            r);
    EXPECT_FALSE(results[0].holds);
    EXPECT_EQ(results[0].observed, "2");
    EXPECT_TRUE(results[1].holds);
    EXPECT_TRUE(results[2].holds);
    EXPECT_FALSE(results[3].holds);
}

TEST(Threshold, LatencyWithoutSamplesDoesNotHold) {
    const auto results = evaluate_thresholds({parse_ok("p99<1s")}, report{});
    EXPECT_FALSE(results[0].holds);
    EXPECT_EQ(results[0].observed, "no samples");
}

TEST(Threshold, FormatsMicros) {
    EXPECT_EQ(format_micros(999), "999us");
    EXPECT_EQ(format_micros(1500), "1.50ms");
    EXPECT_EQ(format_micros(2'500'000), "2.50s");
}

}  // namespace
}  // namespace kata::load
