// The WebSocket frame codec on the hot paths: framing an event once for fanout (goal ≤ 100 ns
// for a 64-byte payload), framing a serialized envelope, and parsing one masked client frame
// with its unmasking, UTF-8 check and handler call (goal ≤ 50 ns for 100 bytes).
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/protocol/envelope.hpp"
#include "core/protocol/ws_frame_parser.hpp"
#include "core/protocol/ws_frame_writer.hpp"

namespace {

namespace protocol = kata::protocol;
namespace ws = kata::protocol::ws;

void BM_frame_event_64(benchmark::State& state) {
    const std::string payload(64, 'e');
    for (auto _ : state) {
        auto frame = ws::server_text_frame(
            payload.size(), [&](char* dst) { std::memcpy(dst, payload.data(), payload.size()); });
        benchmark::DoNotOptimize(frame.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (payload.size() + 2)));
}
BENCHMARK(BM_frame_event_64);

void BM_frame_envelope_64(benchmark::State& state) {
    protocol::envelope env;
    env.type = "log_entry";
    env.channel = "agent:a-123";
    env.timestamp = "2026-02-26T22:00:00.000Z";
    env.event_id = "evt_00c0ffee00c0ffee_1234567";
    env.payload_json = R"({"line":")" + std::string(64 - 11, 'x') + R"("})";  // 64 bytes
    std::size_t bytes = 0;
    for (auto _ : state) {
        const auto text = protocol::serialize_envelope(env);
        auto frame = ws::server_frame(ws::opcode::text, text);
        bytes += frame.size();
        benchmark::DoNotOptimize(frame.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_frame_envelope_64);

class counting_handler : public ws::frame_handler {
  public:
    std::size_t bytes = 0;
    bool on_text(std::string_view m) override { return bytes += m.size(), true; }
    bool on_binary(std::string_view m) override { return bytes += m.size(), true; }
    bool on_ping(std::string_view) override { return true; }
    bool on_pong(std::string_view) override { return true; }
    void on_close(std::optional<std::uint16_t>, std::string_view) override {}
};

void BM_parse_masked_100(benchmark::State& state) {
    // The parser unmasks in place, so each frame can be parsed once. A block of copies is parsed
    // one frame per iteration and restored from the pristine copy, untimed, when used up.
    const auto frame =
        ws::client_frame(ws::opcode::text, std::string(100, 'm'), {0x12, 0x34, 0x56, 0x78});
    constexpr std::size_t copies = 1024;
    std::string pristine;
    for (std::size_t i = 0; i < copies; ++i)
        pristine += frame;
    std::string work = pristine;
    ws::frame_parser parser;
    counting_handler handler;
    std::size_t next = 0;
    for (auto _ : state) {
        if (next == copies) {
            state.PauseTiming();
            std::memcpy(work.data(), pristine.data(), work.size());
            next = 0;
            state.ResumeTiming();
        }
        const auto result =
            parser.feed(std::span<char>(work.data() + next * frame.size(), frame.size()), handler);
        benchmark::DoNotOptimize(result);
        ++next;
    }
    if (handler.bytes != static_cast<std::size_t>(state.iterations()) * 100 || parser.failed()) {
        state.SkipWithError("frames were not all delivered");
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}
BENCHMARK(BM_parse_masked_100);

}  // namespace
