#pragma once
#include <sys/types.h>

#include <optional>
#include <string_view>

namespace kata::load {

// CPU time spent, split as the kernel accounts it.
struct cpu_time {
    double user_s = 0;
    double sys_s = 0;

    double total_s() const { return user_s + sys_s; }
    cpu_time operator-(const cpu_time& o) const { return {user_s - o.user_s, sys_s - o.sys_s}; }
    cpu_time operator+(const cpu_time& o) const { return {user_s + o.user_s, sys_s + o.sys_s}; }
};

// This whole process so far (getrusage RUSAGE_SELF: every thread, finished ones included).
cpu_time process_cpu();
// The calling thread so far (getrusage RUSAGE_THREAD).
cpu_time thread_cpu();
// Another local process so far, from /proc/PID/stat (utime + stime); nullopt once it is gone.
std::optional<cpu_time> process_cpu_of(pid_t pid);

// utime and stime (fields 14 and 15) of a /proc/PID/stat line, in seconds. The command name
// (field 2) is in parentheses and may itself hold spaces and parentheses, so fields are counted
// from the last ')'.
std::optional<cpu_time> parse_proc_stat(std::string_view line, long ticks_per_second);

}  // namespace kata::load
