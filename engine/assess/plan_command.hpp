// `pgshift plan` (and `pgshift migrate --dry-run`): reads both servers in read-only transactions,
// measures a short sample of read and write speed in a target transaction that is rolled back,
// judges everything (assessment.hpp) and prints the report (plan_report.hpp); writes nothing to
// either side. A SQLite source is read as migrate reads it, every value included, and reported by
// sqlite_plan_command.hpp / sqlite_plan_report.hpp. Runs its own event loop; returns the exit
// status: 2 when a blocker was found (or the servers could not be reached), else 0. Human text on
// stdout, JSON with --report.
#pragma once

#include "engine/assess/plan_options.hpp"

namespace pgshift {

int run_plan_command(PlanOptions options);

}  // namespace pgshift
