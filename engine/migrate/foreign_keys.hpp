// The run's foreign keys. Each is added NOT VALID in one short transaction, then validated in
// another, together with its mark in pgshift.ddl: the validation's scan then holds only SHARE
// UPDATE EXCLUSIVE on the referencing table and ROW SHARE on the referenced one, so several
// validations against one referenced table, and that table's ANALYZE, run at once (a plain ADD
// FOREIGN KEY holds SHARE ROW EXCLUSIVE on both for its whole scan, which serialises them). Both
// steps run under an advisory lock on the table after re-reading the mark and the catalog, so two
// processes never add the same one and a rerun validates one a crash left NOT VALID. A foreign
// key starts as soon as both its tables are indexed by this process (ANALYZE may still be
// running), beside the copies of other tables; whatever is left (tables finished elsewhere or
// earlier, a failed early attempt) is created by the finishing steps. Runs on the run's event loop.
#pragma once

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

// Loads the run's pending foreign keys into the context (after set-up).
Task<Status> load_foreign_keys(RunContext& context, pg::Connection& target);

// After load_foreign_keys: marks the keyed tables that no foreign key references, neither one
// already on the target nor one the run will add, and that are not partitions or partitioned:
// TRUNCATE works on them, so a chunk that is the whole table may empty it in its transaction and
// load it frozen (TableStreamSpec::whole_table_replaceable).
Task<Status> find_replaceable_tables(RunContext& context, pg::Connection& target);

// Called by the finisher of `table` once it is indexed, before its ANALYZE: adds NOT VALID, on
// the finisher's connection, the foreign keys of `table` whose other table is indexed too, so
// that the ANALYZE does not hold them up. A lock held elsewhere is not waited for: that key is
// left to start_ready_foreign_keys.
Task<void> attach_ready_foreign_keys(RunContext& context, pg::Connection& target,
                                     std::size_t table);

// Starts, in background slots, every foreign key whose tables are both indexed by now.
void start_ready_foreign_keys(RunContext& context);

// Creates every foreign key still pending in the run state, over `jobs` connections.
Task<Status> create_remaining_foreign_keys(RunContext& context, pg::Connection& target);

}  // namespace pgshift
