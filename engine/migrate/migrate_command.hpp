// `pgshift migrate`: the one-shot migration. Owns the io_context and signal handling for the run,
// prepares or resumes the plan stored in the target, runs the copy workers and table finishers,
// finalizes, and writes the report. Returns the process exit status of CLI.md.
#pragma once

#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"
#include "engine/migrate/migrate_options.hpp"

namespace pgshift {

int run_migrate_command(MigrateOptions options);

struct RunContext;
// The run itself, on the context's executor: set-up (or joining a recorded run), the copy, the
// table finishers and the finishing steps. `pgshift sync` runs its copy through this too.
Task<Status> run_migration(RunContext& context);

}  // namespace pgshift
