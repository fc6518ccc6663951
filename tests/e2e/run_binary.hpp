#pragma once
// Runs the built `kata-rt` with arguments through the shell and collects what it printed.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace kata::e2e {

struct command_result {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

inline command_result run_binary(const std::string& args) {
    const std::string cmd = std::string(KATA_RT_BINARY) + " " + args + " 2>&1";
    command_result result;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), buf.size(), pipe) != nullptr)
        result.output += buf.data();
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace kata::e2e
