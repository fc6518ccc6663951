#pragma once
// Internal to the config parser: the shared validation helpers of its sections.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/config/config_parser.hpp"

namespace kata::config::detail {

using json = nlohmann::json;

// Upper bounds exist to catch typos (an extra zero, ms vs s), not to limit real deployments.
inline constexpr std::uint64_t max_duration_ms = 86'400'000;  // one day
inline constexpr std::uint64_t no_max = std::numeric_limits<std::uint64_t>::max();

std::string member_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, std::size_t i);

class checker {
  public:
    bool fail(const std::string& key, std::string_view what) {
        error_ = config_error{key, (key.empty() ? "config" : key) + ": " + std::string{what}};
        return false;
    }
    config_error take_error() { return std::move(error_); }

    bool object(const json& v, const std::string& path,
                std::initializer_list<std::string_view> allowed) {
        if (!v.is_object()) return fail(path, "must be a JSON object");
        for (const auto& item : v.items()) {
            if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
                return fail(member_path(path, item.key()), "unknown key");
            }
        }
        return true;
    }

    template <class T>
    bool integer(const json& v, const std::string& path, std::uint64_t min, std::uint64_t max,
                 T& out) {
        max = std::min<std::uint64_t>(max, std::numeric_limits<T>::max());
        // Negative numbers parse as number_integer, not number_unsigned; floats and bools are
        // neither, so 1.5, -1 and true all land here.
        if (!v.is_number_unsigned() || v.get<std::uint64_t>() < min ||
            v.get<std::uint64_t>() > max) {
            std::string what = "must be an integer >= " + std::to_string(min);
            if (max != std::numeric_limits<T>::max() && max != no_max) {
                what += " and <= " + std::to_string(max);
            }
            return fail(path, what);
        }
        out = static_cast<T>(v.get<std::uint64_t>());
        return true;
    }

    bool duration(const json& v, const std::string& path, std::uint64_t min, milliseconds& out) {
        std::uint64_t ms = 0;
        if (!integer(v, path, min, max_duration_ms, ms)) return false;
        out = milliseconds{static_cast<milliseconds::rep>(ms)};
        return true;
    }

    bool string(const json& v, const std::string& path, std::string& out) {
        if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
            return fail(path, "must be a non-empty string");
        }
        out = v.get<std::string>();
        return true;
    }

    // A required member of an already checked object.
    const json* required(const json& obj, const std::string& path, std::string_view key) {
        const auto it = obj.find(key);
        if (it == obj.end()) {
            fail(member_path(path, key), "is required");
            return nullptr;
        }
        return &*it;
    }

  private:
    config_error error_;
};

}  // namespace kata::config::detail
