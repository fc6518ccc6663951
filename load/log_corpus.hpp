#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace kata::load {

// Agent-style log text, the traffic permessage-deflate is for: build and test output with
// timestamps, levels, agent ids, source paths, crate and package versions, durations and request
// lines, as the agents of a spec stream them. Deterministic for a given `seed`, so compression
// figures can be reproduced. Only characters that need no escaping in a JSON string.
class log_corpus {
  public:
    explicit log_corpus(std::uint64_t seed = 1) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
    // The next line, without its newline, from any of the agents.
    std::string next_line();
    // One event's worth of one agent's output: lines joined with "\n" (written as the two
    // characters \ and n, JSON's escape) until at least `bytes`, cut to exactly `bytes`.
    std::string text(std::size_t bytes);

  private:
    std::uint64_t next();
    std::string line(std::size_t agent);
    std::uint64_t state_;
    std::uint64_t clock_ms_ = 1'796'000'000'000;  // a December 2026 morning, advancing
};

}  // namespace kata::load
