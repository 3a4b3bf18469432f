// Finishes a table once all its chunks are in: whole-table verification for keyless tables (their
// ctids differ on the target, so chunks cannot be read back by range), then its indexes and
// primary/unique constraints, each in its own transaction together with its "done" mark, then the
// read-back of chunks left unverified; then the foreign keys whose tables are both indexed start
// (foreign_keys.hpp), and ANALYZE runs together with the table's 'ready' mark. Runs in a background
// slot (slot_tasks.hpp) beside the copy workers, holding an advisory lock so that no two
// processes finish the same table.
#pragma once

#include "engine/migrate/run_context.hpp"

namespace pgshift {

// Starts the finisher for `table`; wait_for_slot_tasks() waits for it.
void start_table_finisher(RunContext& context, std::size_t table);

}  // namespace pgshift
