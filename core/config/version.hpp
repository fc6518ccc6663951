#pragma once
#include <string>
#include <string_view>

namespace kata::config {

// The release, from CMake's project(VERSION): what --version, the serve banner, the
// kata_rt_build_info metric, the clients' User-Agent, the npm package and the .deb all say.
std::string_view version();

// `kata-rt/<version>` plus a role, e.g. user_agent("client") == "kata-rt-client/0.1.0".
std::string user_agent(std::string_view role);

}  // namespace kata::config
