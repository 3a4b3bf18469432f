// The steps after every chunk is in, each recorded in pgshift.steps so a rerun skips what is done:
// the foreign keys not created yet beside the copies (in parallel, each atomic with its mark), the
// rest of post-data (triggers, rules, policies, partition indexes ... in one transaction), sequence
// values, large objects (read at the run's snapshot through `snapshot_reader`, each verified by
// its digest), the refresh of the materialized views populated in the source (matviews.hpp, one
// mark per view), and ANALYZE of
// what the table finishers left (partitions, parents, tables given extended statistics), in
// parallel. One process runs them.
#pragma once

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

// `snapshot_reader`: the PostgreSQL source inside the run's snapshot; null for other sources.
Task<Status> finalize_run(RunContext& context, pg::Connection* snapshot_reader);

}  // namespace pgshift
