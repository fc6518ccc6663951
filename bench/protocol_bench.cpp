// The per-frame protocol work: serializing an envelope (once per event) and parsing a client
// command (once per frame received). Reported in bytes/s of the frame; the time per iteration is
// the cost of one frame, to compare with the 1 µs goal for command parsing.
#include <benchmark/benchmark.h>

#include <string>
#include <variant>

#include "core/protocol/command.hpp"
#include "core/protocol/envelope.hpp"
#include "core/protocol/publish_request.hpp"

namespace {

namespace protocol = kata::protocol;

protocol::envelope sample_envelope(std::size_t payload_bytes) {
    protocol::envelope env;
    env.type = "log_entry";
    env.channel = "agent:a-123";
    env.timestamp = "2026-02-26T22:00:00.000Z";
    env.event_id = "evt_00c0ffee00c0ffee_1234567";
    env.payload_json = R"({"line":")" + std::string(payload_bytes, 'x') + R"("})";
    return env;
}

void BM_SerializeEnvelope(benchmark::State& state) {
    const auto env = sample_envelope(static_cast<std::size_t>(state.range(0)));
    std::size_t bytes = 0;
    for (auto _ : state) {
        auto text = protocol::serialize_envelope(env);
        bytes += text.size();
        benchmark::DoNotOptimize(text);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_SerializeEnvelope)->Arg(16)->Arg(256)->Arg(4096);

void parse_command_bench(benchmark::State& state, std::string_view frame) {
    for (auto _ : state) {
        auto result = protocol::parse_command(frame);
        if (!std::holds_alternative<protocol::command>(result)) {
            state.SkipWithError("the sample command was refused");
            break;
        }
        benchmark::DoNotOptimize(result);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}

void BM_ParseCommand_Subscribe(benchmark::State& state) {
    parse_command_bench(
        state,
        R"({"type":"subscribe","channel":"spec:7","requestId":"r1","since":"evt_00c0ffee00c0ffee_1234567"})");
}
BENCHMARK(BM_ParseCommand_Subscribe);

void BM_ParseCommand_Ping(benchmark::State& state) {
    parse_command_bench(state, R"({"type":"ping","requestId":"r3"})");
}
BENCHMARK(BM_ParseCommand_Ping);

// POST /v1/publish bodies: one event, and a batch of `events` copies of it. The payload is
// validated and copied as published (json_scanner), so this is the publish path's parse cost.
void BM_ParsePublishRequest(benchmark::State& state) {
    const std::string event =
        R"({"channel":"agent:123","type":"agent_status_changed","payload":{"status":"running",)"
        R"("progress":0.42,"step":17,"tags":["a","b","c"],"detail":{"host":"worker-7",)"
        R"("pid":12345,"message":"compiling module \u00e9"}}})";
    const auto events = static_cast<std::size_t>(state.range(0));
    std::string body = event;
    if (events > 1) {
        body = R"({"events":[)";
        for (std::size_t i = 0; i < events; ++i)
            body += (i == 0 ? "" : ",") + event;
        body += "]}";
    }
    for (auto _ : state) {
        auto result = protocol::parse_publish_request(body);
        if (!std::holds_alternative<protocol::publish_request>(result)) {
            state.SkipWithError("the sample body was refused");
            break;
        }
        benchmark::DoNotOptimize(result);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParsePublishRequest)->Arg(1)->Arg(1000);

}  // namespace
