#pragma once
#include <chrono>
#include <thread>

namespace kata::e2e {

// Polls `done` until it holds or `timeout` passes: for state only the server can see (counters,
// subscriber counts, a broker's readiness) that no socket event or callback announces.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace kata::e2e
