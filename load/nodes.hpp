#pragma once
#include <optional>
#include <string>
#include <vector>

#include "load/scenario.hpp"

namespace kata::load {

// `--url`, repeatable (issue 10): sets the run's nodes from the URLs as given, the first one as
// `ws_url`. Each must be a distinct ws:// URL. The problem, naming the URL, when one is not.
std::optional<std::string> set_nodes(scenario& sc, const std::vector<std::string>& urls);

// Every node's WebSocket URL, space-separated, for the report.
std::string nodes_text(const scenario& sc);

}  // namespace kata::load
