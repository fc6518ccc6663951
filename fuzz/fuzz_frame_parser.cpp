// The server's WebSocket frame parser: every byte a client sends goes through it first.
// Properties: any bytes give messages and at most one protocol_error (1002, 1007 or 1009), never
// a crash or a read past the bytes given (each chunk lives in its own exactly sized allocation,
// so ASan sees an over-read); delivered messages obey the RFC (UTF-8 text, control payloads up
// to 125 bytes, messages within the limit, valid close codes, nothing after close or error);
// the same bytes cut into chunks whose sizes come from the input give the same handler calls
// and the same error as fed whole, in both roles; and frames built by the codec (client_frame,
// masked, fragmented, with pings between fragments) parse back to what was built. With
// permessage-deflate negotiated the same holds, and a compressed message (RSV1) parses back to
// what was compressed, while one that inflates past the limit is 1009 however small it is.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/deflate/compressor.hpp"
#include "core/protocol/deflate/inflater.hpp"
#include "core/protocol/utf8_validator.hpp"
#include "core/protocol/ws_frame_parser.hpp"
#include "core/protocol/ws_frame_writer.hpp"
#include "fuzz_check.hpp"

namespace {

namespace ws = kata::protocol::ws;

constexpr std::size_t max_message = 1024;  // small, so 1009 is reachable

struct event {
    char kind;  // t(ext), b(inary), i (ping), o (pong), c(lose)
    std::string payload;
    std::optional<std::uint16_t> code;
    bool operator==(const event&) const = default;
};

bool is_utf8(std::string_view s) {
    kata::protocol::utf8_validator v;
    return v.feed(s) && v.complete();
}

class recorder : public ws::frame_handler {
  public:
    std::vector<event> events;
    bool closed = false;
    kata::protocol::deflate::inflater inf;

    kata::protocol::deflate::inflater* inflater() override { return &inf; }

    bool on_text(std::string_view m) override {
        FUZZ_CHECK(is_utf8(m));
        FUZZ_CHECK(m.size() <= max_message);
        return add('t', m);
    }
    bool on_binary(std::string_view m) override {
        FUZZ_CHECK(m.size() <= max_message);
        return add('b', m);
    }
    bool on_ping(std::string_view p) override {
        FUZZ_CHECK(p.size() <= 125);
        return add('i', p);
    }
    bool on_pong(std::string_view p) override {
        FUZZ_CHECK(p.size() <= 125);
        return add('o', p);
    }
    void on_close(std::optional<std::uint16_t> code, std::string_view reason) override {
        FUZZ_CHECK(!closed);
        FUZZ_CHECK(!code || ws::valid_peer_close_code(*code));
        FUZZ_CHECK(code || reason.empty());
        FUZZ_CHECK(reason.size() <= 123);
        FUZZ_CHECK(is_utf8(reason));
        closed = true;
        events.push_back({'c', std::string(reason), code});
    }

  private:
    bool add(char kind, std::string_view payload) {
        FUZZ_CHECK(!closed);
        events.push_back({kind, std::string(payload), std::nullopt});
        return true;
    }
};

struct outcome {
    std::vector<event> events;
    std::optional<std::uint16_t> error;
};

// Feeds `input` in chunks of the given sizes (cycled), each copied into its own allocation of
// exactly its size.
outcome parse(std::string_view input, const std::vector<std::size_t>& sizes, bool server_role,
              bool deflate = false) {
    ws::frame_parser parser(ws::parser_options{max_message, server_role, deflate});
    recorder rec;
    outcome out;
    std::size_t pos = 0;
    for (std::size_t i = 0; pos < input.size(); ++i) {
        const std::size_t n = std::min(sizes[i % sizes.size()], input.size() - pos);
        auto chunk = std::make_unique<char[]>(n);
        std::copy_n(input.data() + pos, n, chunk.get());
        const auto result = parser.feed(std::span<char>(chunk.get(), n), rec);
        FUZZ_CHECK(result.consumed <= n);
        pos += n;
        if (result.error) {
            const auto code = result.error->close_code;
            FUZZ_CHECK(code == 1002 || code == 1007 || code == 1009);
            FUZZ_CHECK(result.error->reason != nullptr && result.error->reason[0] != '\0');
            FUZZ_CHECK(parser.failed());
            out.error = code;
            // Refused for good: nothing more is delivered or consumed.
            const std::size_t events_before = rec.events.size();
            char more[16] = {};
            const auto again = parser.feed(std::span<char>(more, sizeof more), rec);
            FUZZ_CHECK(again.consumed == 0 && again.error && again.error->close_code == code);
            FUZZ_CHECK(rec.events.size() == events_before);
            break;
        }
        FUZZ_CHECK(!parser.failed());
        if (result.consumed < n) {
            // Only a close frame stops a recorder that never says stop.
            FUZZ_CHECK(parser.closed() && rec.closed);
            break;
        }
    }
    FUZZ_CHECK(parser.closed() == rec.closed);
    if (!parser.holds_partial()) parser.release_memory();
    out.events = std::move(rec.events);
    return out;
}

// Chunk sizes drawn from the input itself, so the fuzzer explores the cuts too.
std::vector<std::size_t> chunk_sizes(std::string_view input) {
    std::uint64_t x = 0x9E3779B97F4A7C15ULL ^ input.size();
    for (const char c : input)
        x = (x ^ static_cast<std::uint8_t>(c)) * 0x100000001B3ULL;
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 16; ++i) {
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9ULL;
        // Mostly tiny cuts (inside headers), sometimes larger ones.
        sizes.push_back(1 + (x >> 60 < 12 ? (x >> 32) % 7 : (x >> 32) % 300));
    }
    return sizes;
}

void check_chunking_invariance(std::string_view input, bool server_role, bool deflate = false) {
    const auto whole = parse(input, {input.size() + 1}, server_role, deflate);
    const auto chunked = parse(input, chunk_sizes(input), server_role, deflate);
    const auto bytewise = parse(input, {1}, server_role, deflate);
    FUZZ_CHECK(chunked.events == whole.events);
    FUZZ_CHECK(chunked.error == whole.error);
    FUZZ_CHECK(bytewise.events == whole.events);
    FUZZ_CHECK(bytewise.error == whole.error);
}

// Builds a stream of client frames from the input (payloads, masks, fragment cuts, pings) and
// checks it parses back to exactly those messages.
void check_round_trip(std::string_view input) {
    if (input.size() < 6) return;
    const std::array<std::uint8_t, 4> mask{
        static_cast<std::uint8_t>(input[0]), static_cast<std::uint8_t>(input[1]),
        static_cast<std::uint8_t>(input[2]), static_cast<std::uint8_t>(input[3])};
    const auto shape = static_cast<std::uint8_t>(input[4]);
    const std::string_view payload = input.substr(5, max_message);
    const bool as_text = is_utf8(payload);
    const std::size_t fragments = 1 + shape % 5;
    const bool pings_between = (shape & 0x80) != 0;

    std::string stream;
    std::vector<event> expected;
    const std::size_t step = payload.size() / fragments + 1;
    for (std::size_t i = 0; i < fragments; ++i) {
        const auto part = payload.substr(std::min(i * step, payload.size()), step);
        const auto op = i > 0     ? ws::opcode::continuation
                        : as_text ? ws::opcode::text
                                  : ws::opcode::binary;
        stream += ws::client_frame(op, part, mask, i + 1 == fragments);
        if (pings_between && i + 1 < fragments) {
            const auto ping = part.substr(0, 125);
            stream += ws::client_frame(ws::opcode::ping, ping, mask);
            expected.push_back({'i', std::string(ping), std::nullopt});
        }
    }
    expected.push_back({as_text ? 't' : 'b', std::string(payload), std::nullopt});
    const std::uint16_t code = 1000 + shape % 16;
    const bool close_ok = ws::valid_peer_close_code(code);
    stream += ws::client_frame(ws::opcode::close, ws::close_body(code, "done"), mask);

    const auto out = parse(stream, chunk_sizes(input), true);
    if (close_ok) {
        expected.push_back({'c', "done", code});
        FUZZ_CHECK(!out.error);
    } else {
        FUZZ_CHECK(out.error == 1002);
    }
    FUZZ_CHECK(out.events == expected);
}

// The same message compressed (RSV1 on its first frame only) parses back to the original; the
// input repeated past the limit and compressed is refused with 1009 (bounded inflate), whatever
// the compressed size.
void check_compressed_round_trip(std::string_view input) {
    if (input.size() < 6) return;
    const std::array<std::uint8_t, 4> mask{
        static_cast<std::uint8_t>(input[0]), static_cast<std::uint8_t>(input[1]),
        static_cast<std::uint8_t>(input[2]), static_cast<std::uint8_t>(input[3])};
    const auto shape = static_cast<std::uint8_t>(input[4]);
    const std::string_view payload = input.substr(5, max_message);
    const bool as_text = is_utf8(payload);
    const auto op = as_text ? ws::opcode::text : ws::opcode::binary;
    kata::protocol::deflate::compressor c(1 + shape % 12);
    std::string z;
    if (!c.compress(payload, z)) return;  // incompressible: it would go plain
    const std::size_t fragments = 1 + shape % 3;
    const std::size_t step = z.size() / fragments + 1;
    std::string stream;
    for (std::size_t i = 0; i < fragments; ++i) {
        const auto part = std::string_view(z).substr(std::min(i * step, z.size()), step);
        auto frame = ws::client_frame(i == 0 ? op : ws::opcode::continuation, part, mask,
                                      i + 1 == fragments);
        if (i == 0) frame[0] = static_cast<char>(frame[0] | 0x40);
        stream += frame;
    }
    const auto out = parse(stream, chunk_sizes(input), true, true);
    FUZZ_CHECK(!out.error);
    FUZZ_CHECK(out.events.size() == 1);
    FUZZ_CHECK(out.events[0] == (event{as_text ? 't' : 'b', std::string(payload), std::nullopt}));

    std::string big;
    while (big.size() <= max_message)
        big.append(payload);
    if (!c.compress(big, z)) return;
    auto bomb = ws::client_frame(ws::opcode::binary, z, mask);
    bomb[0] = static_cast<char>(bomb[0] | 0x40);
    FUZZ_CHECK(parse(bomb, {bomb.size()}, true, true).error == 1009);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_chunking_invariance(input, true);
    check_chunking_invariance(input, false);
    check_chunking_invariance(input, true, true);
    check_round_trip(input);
    check_compressed_round_trip(input);
    return 0;
}
