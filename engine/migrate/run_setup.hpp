// Setting a run up, before any chunk moves: checks that refuse before any write (versions, a
// target holding data pgshift did not put there), then either a new plan (snapshot, catalog,
// chunk bounds, schema through pg_dump, all committed with the state in one target transaction)
// or the stored plan of a run to resume or join.
#pragma once

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

// `coordinator` is a source session; on success it holds the run's snapshot open (the snapshot
// readers import) until the caller ends its transaction.
Task<Status> set_up_run(RunContext& context, pg::Connection& coordinator, pg::Connection& target);

// Moves the chunks of small tables that foreign keys reference to the front of a new plan
// (plan::start_small_referenced_tables_first; small: at most one chunk's worth of copy work).
void start_small_referenced_tables_first(const RunContext& context,
                                         const std::vector<pg::TableDdl>& ddl,
                                         std::vector<Chunk>& chunks);

}  // namespace pgshift
