// Finishes a table once all its chunks are in: whole-table verification for keyless tables (their
// ctids differ on the target, so chunks cannot be read back by range), then its indexes and
// primary/unique constraints, each in its own transaction together with its "done" mark. Runs
// beside the copy workers, at most `jobs` at a time, holding an advisory lock so that no two
// processes build the same table.
#pragma once

#include "engine/migrate/run_context.hpp"

namespace pgshift {

// Starts the finisher for `table` as a detached task tracked by context.index_builders_running.
void start_table_finisher(RunContext& context, std::size_t table);

// Waits until every started finisher has ended.
Task<void> wait_for_table_finishers(RunContext& context);

}  // namespace pgshift
