#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "load/run_state.hpp"
#include "load/scenario.hpp"

namespace kata::load {

// The publishing side of a run: an open model, as wrk2 and k6's arrival-rate executors do it.
// Event k is *scheduled* at start + k / rate whatever happened to earlier requests; all events
// due at a wake-up (at most one per `publish_tick`) go out in one POST /v1/publish of up to 1000,
// round-robin over the channels; with several nodes (--url) each wake-up's POST goes to the next
// node in turn (with --pin-channels, one POST per node with its channels' events). Each payload
// carries its scheduled time, so a server that stalls the publisher shows up as latency instead of
// as fewer, faster samples (coordinated omission).
//
// Runs until every scheduled event is sent or `deadline`; events still unsent then count as
// failed (and so as lost), since the schedule promised them.
boost::asio::awaitable<void> run_publisher(boost::asio::any_io_executor executor,
                                           const scenario& sc, publish_state& state,
                                           std::chrono::steady_clock::time_point start,
                                           std::chrono::steady_clock::time_point deadline);

}  // namespace kata::load
