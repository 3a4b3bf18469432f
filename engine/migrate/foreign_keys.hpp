// The run's foreign keys. Each is created and validated in one target transaction together with
// its mark in pgshift.ddl, under an advisory lock on its table and after re-reading the mark, so
// two processes never create the same one. A foreign key starts as soon as both its tables are
// finished by this process (indexes built, rows verified, analyzed), beside the copies of other
// tables; whatever is left (tables finished elsewhere or earlier, a failed early attempt) is
// created by the finishing steps. Runs on the run's event loop.
#pragma once

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

// Loads the run's pending foreign keys into the context (after set-up).
Task<Status> load_foreign_keys(RunContext& context, pg::Connection& target);

// Starts, in background slots, every foreign key whose tables are both finished by now.
void start_ready_foreign_keys(RunContext& context);

// Creates every foreign key still pending in the run state, over `jobs` connections.
Task<Status> create_remaining_foreign_keys(RunContext& context, pg::Connection& target);

}  // namespace pgshift
