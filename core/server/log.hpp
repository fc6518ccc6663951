#pragma once
#include <string_view>

namespace kata::server {

enum class log_level { debug, info, warn, error, off };

// One line on stderr with a UTC timestamp. Never pass a credential: log principal ids only.
void log(log_level level, std::string_view message);
void set_log_level(log_level level);

}  // namespace kata::server
