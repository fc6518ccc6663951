// The origins `kata-rt serve` adds to allowed_origins from its command line or environment.
#include "cli/serve_origins.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include <CLI/CLI.hpp>

#include "core/config/config_parser.hpp"

namespace kata::cli {
namespace {

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "kata-rt serve: " << message << "\n";
    throw CLI::RuntimeError(2);
}

}  // namespace

// --allow-origin (repeatable), else KATA_RT_ALLOWED_ORIGINS (comma-separated): origins added to
// allowed_origins, the dev defaults in dev mode or the config file's list. The flag wins over the
// variable, so a command line says exactly what it allows.
std::vector<std::string> extra_origins(const std::vector<std::string>& flag) {
    std::vector<std::string> out;
    std::string from = "--allow-origin";
    if (!flag.empty()) {
        out = flag;
    } else if (const char* env = std::getenv("KATA_RT_ALLOWED_ORIGINS"); env && *env) {
        from = "KATA_RT_ALLOWED_ORIGINS";
        std::string_view rest = env;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
                item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
                item.remove_suffix(1);
            if (!item.empty()) out.emplace_back(item);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    for (const auto& origin : out) {
        if (!config::is_origin(origin)) {
            fail(from + " '" + origin +
                 "': must be an origin scheme://host[:port] as a browser sends it: http "
                 "or https, lowercase, no path and no trailing slash");
        }
    }
    return out;
}

void apply_origins(config::server_config& cfg, const std::vector<std::string>& origins) {
    auto& list = cfg.allowed_origins;
    for (const auto& origin : origins) {
        if (std::find(list.begin(), list.end(), origin) == list.end()) list.push_back(origin);
    }
}

}  // namespace kata::cli
