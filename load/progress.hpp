#pragma once
#include <chrono>
#include <cstdio>
#include <string>

#include "load/run_state.hpp"

namespace kata::load {

// The once-a-second progress report on stderr: one line rewritten in place on a terminal (so
// the screen stays readable), plain lines otherwise (so a CI log keeps the history).
class progress_printer {
  public:
    explicit progress_printer(std::FILE* out);

    // Prints one line for the second that just ended; `live.latency_interval` is that second's.
    void tick(const std::string& phase, std::chrono::steady_clock::duration elapsed,
              const live_counts& live, const publish_state& published, std::size_t connections);
    // Ends the updating line, if any, so the report starts on a fresh line.
    void finish();

  private:
    std::FILE* out_;
    bool tty_;
    bool dirty_ = false;
    std::uint64_t last_deliveries_ = 0;
    std::uint64_t last_sent_ = 0;
    std::chrono::steady_clock::duration last_elapsed_{};
};

}  // namespace kata::load
