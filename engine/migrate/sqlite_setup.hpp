// Setting up a run whose source is a SQLite file: the schema is read and translated once
// (connectors/sqlite), tables are cut into rowid/key ranges, and the CREATE TABLE statements
// commit with the run state in one target transaction, as for PostgreSQL sources. Workers read
// through their own read-only handles. Refuses before any write when the target is not empty.
// With --on-type-error=text the columns made text (and how many values did not fit) are warnings
// in the log and the report.
#pragma once

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

Task<Status> set_up_sqlite_run(RunContext& context, pg::Connection& target);

// Errors when the file changed since set-up (it must not be written during a migration).
Status check_sqlite_unchanged(const RunContext& context);

}  // namespace pgshift
