#include "load/log_corpus.hpp"

#include <array>
#include <cstdio>
#include <string_view>

namespace kata::load {
namespace {

constexpr std::array<std::string_view, 4> levels{"INFO", "INFO", "DEBUG", "WARN"};
constexpr std::array<std::string_view, 8> agents{"agent-7f3a", "agent-0c21", "agent-9be4",
                                                 "agent-51d0", "agent-e7a2", "agent-33f9",
                                                 "agent-a84c", "agent-12b5"};
constexpr std::array<std::string_view, 10> crates{"serde", "tokio",  "hyper",   "clap",  "regex",
                                                  "rand",  "anyhow", "tracing", "bytes", "futures"};
constexpr std::array<std::string_view, 12> paths{
    "src/server/routes.rs",       "src/server/ws/connection.rs",
    "src/hub/fanout.rs",          "src/auth/credentials.rs",
    "core/protocol/envelope.cpp", "core/hub/history_ring.cpp",
    "web/client/index.js",        "tests/e2e/server_resume_test.cpp",
    "lib/parser/json.ts",         "pkg/api/handlers.go",
    "app/models/spec.py",         "src/main.rs"};
constexpr std::array<std::string_view, 6> routes{"/v1/specs", "/v1/agents", "/v1/publish",
                                                 "/v1/ws",    "/healthz",   "/v1/teams"};

}  // namespace

std::uint64_t log_corpus::next() {
    // splitmix64: fast, deterministic, good enough to vary the lines.
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::string log_corpus::next_line() {
    return line(next() % agents.size());
}

std::string log_corpus::line(std::size_t agent_index) {
    const auto r = next();
    clock_ms_ += 1 + r % 900;
    const auto secs = clock_ms_ / 1000;
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "2026-12-07T%02u:%02u:%02u.%03uZ",
                  static_cast<unsigned>(secs / 3600 % 24), static_cast<unsigned>(secs / 60 % 60),
                  static_cast<unsigned>(secs % 60), static_cast<unsigned>(clock_ms_ % 1000));
    const auto level = levels[(r >> 8) % levels.size()];
    const auto agent = agents[agent_index % agents.size()];
    const auto path = paths[(r >> 16) % paths.size()];
    const auto crate = crates[(r >> 20) % crates.size()];
    const unsigned line = static_cast<unsigned>((r >> 24) % 900 + 1);
    const unsigned n = static_cast<unsigned>((r >> 34) % 400);
    char body[240];
    switch ((r >> 40) % 7) {
        case 0:
            std::snprintf(body, sizeof body, "   Compiling %.*s v1.%u.%u (/workspace/%.*s)",
                          static_cast<int>(crate.size()), crate.data(), n % 40, line % 20,
                          static_cast<int>(agent.size()), agent.data());
            break;
        case 1:
            std::snprintf(body, sizeof body, "test %.*s::tests::case_%u ... ok (%u ms)",
                          static_cast<int>(crate.size()), crate.data(), n, line % 97);
            break;
        case 2:
            std::snprintf(body, sizeof body, "warning: unused variable `value_%u` --> %.*s:%u:%u",
                          n, static_cast<int>(path.size()), path.data(), line, n % 80 + 1);
            break;
        case 3: {
            const auto route = routes[(r >> 44) % routes.size()];
            std::snprintf(body, sizeof body, "GET %.*s/%u 200 %u.%u ms bytes=%u",
                          static_cast<int>(route.size()), route.data(), n * 37 + line, line % 50,
                          n % 10, n * 13 + 120);
            break;
        }
        case 4:
            std::snprintf(body, sizeof body, "edit %.*s: +%u -%u lines (hunk at %u)",
                          static_cast<int>(path.size()), path.data(), n % 60, line % 30, line);
            break;
        case 5:
            std::snprintf(body, sizeof body,
                          "running 'cargo test --package %.*s' in /workspace/%.*s",
                          static_cast<int>(crate.size()), crate.data(),
                          static_cast<int>(agent.size()), agent.data());
            break;
        default:
            std::snprintf(body, sizeof body,
                          "test result: ok. %u passed; 0 failed; %u ignored; "
                          "finished in %u.%02us",
                          n, line % 5, line % 30, n % 100);
            break;
    }
    std::string out;
    out.reserve(200);
    out.append(stamp).append(" ").append(level).append(" [").append(agent).append("] ");
    out.append(body);
    return out;
}

std::string log_corpus::text(std::size_t bytes) {
    std::string out;
    out.reserve(bytes + 200);
    const std::size_t agent = next() % agents.size();
    while (out.size() < bytes) {
        if (!out.empty()) out += "\\n";
        out += line(agent);
    }
    out.resize(bytes);
    // A cut right after the backslash of "\n" would leave an escape without its letter.
    if (!out.empty() && out.back() == '\\') out.back() = ' ';
    return out;
}

}  // namespace kata::load
