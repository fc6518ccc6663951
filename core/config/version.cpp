#include "core/config/version.hpp"

// Defined for this file only by CMakeLists.txt, so a new version recompiles one file.
#ifndef KATA_RT_VERSION
#error "KATA_RT_VERSION is set by CMakeLists.txt from project(VERSION)"
#endif

namespace kata::config {

std::string_view version() {
    return KATA_RT_VERSION;
}

std::string user_agent(std::string_view role) {
    std::string out = "kata-rt";
    if (!role.empty()) out.append("-").append(role);
    out.append("/").append(version());
    return out;
}

}  // namespace kata::config
