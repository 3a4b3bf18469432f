// Checks on the target made before any write, shared by every kind of source.
#pragma once

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

// Refuses (exit 2) when the target holds tables pgshift did not create (non-empty ones, or ones
// the schema would collide with) or schemas the source's schema creates. `coordinator` is the
// PostgreSQL source session, or null for sources that create no schemas (SQLite).
Task<Status> check_target_empty(RunContext& context, pg::Connection* coordinator,
                                pg::Connection& target);

}  // namespace pgshift
