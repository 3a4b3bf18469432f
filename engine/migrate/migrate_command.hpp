// `pgshift migrate`: the one-shot migration. Owns the io_context and signal handling for the run,
// prepares or resumes the plan stored in the target, runs the copy workers and table finishers,
// finalizes, and writes the report. Returns the process exit status of CLI.md.
#pragma once

#include "engine/migrate/migrate_options.hpp"

namespace pgshift {

int run_migrate_command(MigrateOptions options);

}  // namespace pgshift
