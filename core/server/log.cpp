#include "core/server/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "core/protocol/timestamp.hpp"

namespace kata::server {
namespace {
std::atomic<log_level> threshold{log_level::info};

const char* name(log_level level) {
    switch (level) {
        case log_level::debug:
            return "debug";
        case log_level::info:
            return "info";
        case log_level::warn:
            return "warn";
        case log_level::error:
            return "error";
        case log_level::off:
            break;
    }
    return "";
}
}  // namespace

void set_log_level(log_level level) {
    threshold.store(level);
}

void log(log_level level, std::string_view message) {
    if (level < threshold.load(std::memory_order_relaxed)) return;
    const auto line = protocol::format_timestamp(std::chrono::system_clock::now()) + " " +
                      name(level) + " " + std::string(message) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);  // one write per line: no interleaving
}

}  // namespace kata::server
