#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kata::load {

// The payload of a load event: `{"seq":N,"t":INTENDED_UNIX_US,"pad":"xxx..."}`. `seq` numbers the
// events of one channel from 0; `t` is when the event was *scheduled* to be sent, so delivery
// latency includes any time the publisher spent waiting on a stalled server (no coordinated
// omission). `pad` brings the payload up to the requested size: 'x's, or with `log_text` lines
// of the log corpus (log_corpus.hpp), which compress like real agent logs.
std::string make_payload(std::uint64_t seq, std::int64_t intended_unix_us, std::size_t bytes,
                         bool log_text = false);

// What the read loop needs from an envelope.
struct load_event {
    std::string_view channel;
    std::uint64_t seq = 0;
    std::int64_t intended_unix_us = 0;
};

// Picks channel, seq and t out of an envelope frame without building a JSON DOM: at hundreds of
// thousands of deliveries a second on one core, a DOM per frame would measure the load client,
// not the server. The keys are searched, not assumed at fixed offsets, so field order and extra
// fields do not matter; anything else (control frames, foreign events) gives nullopt.
std::optional<load_event> scan_load_event(std::string_view frame);

// The `type` field of a frame, the same cheap way ("" when absent).
std::string_view scan_type(std::string_view frame);

}  // namespace kata::load
