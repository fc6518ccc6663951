#pragma once
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace kata::server {

enum class log_level { debug, info, warn, error, off };

// text: "TIME LEVEL message key=value ..."; json: one object per line with time, level, msg and
// the fields as members.
enum class log_format { text, json };

// One key/value of a structured line. Never pass a credential or a cookie: log principal ids
// (key id, user), connection ids, addresses, codes.
struct log_field {
    log_field(std::string_view k, std::string_view v) : key(k), text(v) {}
    log_field(std::string_view k, const char* v) : key(k), text(v) {}
    log_field(std::string_view k, const std::string& v) : key(k), text(v) {}
    log_field(std::string_view k, std::uint64_t v) : key(k), number(v), is_number(true) {}
    log_field(std::string_view k, unsigned v) : log_field(k, std::uint64_t{v}) {}
    log_field(std::string_view k, int v) : log_field(k, static_cast<std::uint64_t>(v)) {}

    std::string_view key;
    std::string_view text;
    std::uint64_t number = 0;
    bool is_number = false;
};
using log_fields = std::initializer_list<log_field>;

// One line on stderr with a UTC timestamp, written with one call so threads never interleave.
void log(log_level level, std::string_view message, log_fields fields = {});
// Start-up lines (banner, fatal errors): written whatever the threshold, in the current format.
void log_always(log_level level, std::string_view message, log_fields fields = {});

bool log_enabled(log_level level);
void set_log_level(log_level level);
void set_log_format(log_format format);
log_format current_log_format();

// Pure: the line (with its "\n") that log() writes. Exposed for tests.
std::string format_log_line(log_format format, std::chrono::system_clock::time_point when,
                            std::string_view level, std::string_view message, log_fields fields);

}  // namespace kata::server
