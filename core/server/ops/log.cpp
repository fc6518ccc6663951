#include "core/server/ops/log.hpp"

#include <atomic>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/protocol/timestamp.hpp"

namespace kata::server {
namespace {

std::atomic<log_level> threshold{log_level::info};
std::atomic<log_format> format{log_format::text};

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

// Text values are quoted (JSON style) only when a reader could misparse them.
bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (unsigned char c : v) {
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
    }
    return false;
}

std::string json_string(std::string_view v) {
    // `replace`: a stray invalid UTF-8 byte from a peer must not make the line unparsable.
    return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write_line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

std::string format_log_line(log_format fmt, std::chrono::system_clock::time_point when,
                            std::string_view level, std::string_view message, log_fields fields) {
    const auto time = protocol::format_timestamp(when);
    if (fmt == log_format::json) {
        nlohmann::ordered_json line;
        line["time"] = time;
        line["level"] = level;
        line["msg"] = message;
        for (const auto& f : fields) {
            const std::string key(f.key);
            if (f.is_number) {
                line[key] = f.number;
            } else {
                line[key] = f.text;
            }
        }
        return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    std::string line = time + " " + std::string(level) + " " + std::string(message);
    for (const auto& f : fields) {
        line.append(" ").append(f.key).append("=");
        if (f.is_number) {
            line += std::to_string(f.number);
        } else if (needs_quotes(f.text)) {
            line += json_string(f.text);
        } else {
            line.append(f.text);
        }
    }
    return line + "\n";
}

bool log_enabled(log_level level) {
    return level >= threshold.load(std::memory_order_relaxed) && level != log_level::off;
}

void set_log_level(log_level level) {
    threshold.store(level);
}

void set_log_format(log_format f) {
    format.store(f);
}

log_format current_log_format() {
    return format.load(std::memory_order_relaxed);
}

void log(log_level level, std::string_view message, log_fields fields) {
    if (!log_enabled(level)) return;
    write_line(format_log_line(current_log_format(), std::chrono::system_clock::now(), name(level),
                               message, fields));
}

void log_always(log_level level, std::string_view message, log_fields fields) {
    write_line(format_log_line(current_log_format(), std::chrono::system_clock::now(), name(level),
                               message, fields));
}

}  // namespace kata::server
