#include "load/churn.hpp"

#include <cmath>
#include <string_view>
#include <vector>

namespace kata::load {

std::uint64_t planned_churns(double rate, std::chrono::milliseconds duration) {
    if (!(rate > 0)) return 0;
    return static_cast<std::uint64_t>(
        std::floor(rate * std::chrono::duration<double>(duration).count()));
}

std::chrono::steady_clock::duration churn_offset(double rate, std::uint64_t k) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(static_cast<double>(k) / rate));
}

std::optional<std::size_t> pick_victim(std::size_t n,
                                       const std::function<bool(std::size_t)>& eligible,
                                       std::mt19937_64& rng) {
    if (n == 0) return std::nullopt;
    std::uniform_int_distribution<std::size_t> any(0, n - 1);
    for (int probe = 0; probe < 16; ++probe) {
        const std::size_t i = any(rng);
        if (eligible(i)) return i;
    }
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < n; ++i) {
        if (eligible(i)) candidates.push_back(i);
    }
    if (candidates.empty()) return std::nullopt;
    std::uniform_int_distribution<std::size_t> pick(0, candidates.size() - 1);
    return candidates[pick(rng)];
}

std::optional<bool> scan_recovered(std::string_view frame) {
    constexpr std::string_view key = "\"recovered\"";
    auto at = frame.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    at += key.size();
    while (at < frame.size() && (frame[at] == ' ' || frame[at] == ':'))
        ++at;
    const auto rest = frame.substr(at);
    if (rest.starts_with("true")) return true;
    if (rest.starts_with("false")) return false;
    return std::nullopt;
}

std::string_view scan_event_id(std::string_view frame) {
    constexpr std::string_view key = "\"eventId\"";
    auto at = frame.find(key);
    if (at == std::string_view::npos) return {};
    at += key.size();
    while (at < frame.size() && (frame[at] == ' ' || frame[at] == ':'))
        ++at;
    if (at >= frame.size() || frame[at] != '"') return {};
    const auto end = frame.find('"', at + 1);
    if (end == std::string_view::npos) return {};
    return frame.substr(at + 1, end - at - 1);
}

}  // namespace kata::load
