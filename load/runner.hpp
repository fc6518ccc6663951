#pragma once
#include <string>

#include "load/report.hpp"
#include "load/scenario.hpp"

namespace kata::load {

struct run_outcome {
    report result;
    // Empty when the run happened; otherwise why it could not (no connection subscribed, no
    // event accepted): the caller exits 2 rather than judging thresholds on nothing.
    std::string not_run_reason;
};

// Runs one scenario to completion on the calling thread, printing progress to stderr once a
// second. Always returns within ramp + connect_timeout + duration + drain + close_grace (plus a
// second of slack); a server that dies mid-run shows up as disconnects and lost deliveries.
run_outcome run_loadtest(const scenario& sc);

}  // namespace kata::load
