#pragma once
#include <optional>

#include "core/server/ops/beast_types.hpp"
#include "core/server/ops/metrics_text.hpp"
#include "core/server/ops/server_state.hpp"

namespace kata::server {

// GET /healthz (alive), GET /readyz (200, or 503 once shutting down) and GET /metrics: the
// operator's routes, served on the main listener or, with `admin_listen`, on the admin one.
// nullopt: `req` is for another path.
std::optional<http_response> ops_route(const http_request& req, server_state& state);

// One consistent read of every counter and gauge for /metrics.
metrics_snapshot collect_metrics(server_state& state);

}  // namespace kata::server
