#pragma once
#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <string>

namespace kata::load {

// Raises the soft RLIMIT_NOFILE to the hard limit and returns the soft limit now in force.
std::uint64_t raise_open_file_limit();

// Why `connections` sockets cannot be opened under `limit` (with room for the process's other
// descriptors), or "" when they can.
std::string open_file_limit_problem(std::size_t connections, std::uint64_t limit);

// Peak resident set size (VmHWM, kB) of a process, from /proc/<pid>/status; nullopt when it
// cannot be read (process gone, no /proc).
std::optional<std::uint64_t> peak_rss_kb(pid_t pid);

}  // namespace kata::load
