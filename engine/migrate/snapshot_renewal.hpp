// The run's exported snapshot lives only as long as the session that exported it. If that session
// ends (terminated, a lost connection, a timeout a provider enforces), a worker opening a new
// reading session cannot import the snapshot (SQLSTATE 22023). The run then moves to a new
// snapshot the way a resumed run does (run_setup.cpp): chunks are key ranges, exact whatever
// snapshot each was read at, so the copy goes on, and a warning says that tables copied before
// reflect an earlier point in time. A table without a key copied in several ctid ranges is exact
// only within one snapshot: if one such table is partly copied or in flight, the run stops instead
// (exit 3) and the rerun copies that table again whole at its new snapshot.
// Runs on the run's event loop; one renewal at a time, shared by the workers that need it.
#pragma once

#include "engine/migrate/run_context.hpp"

namespace pgshift {

// Reading sessions inside context.snapshot, renewing it once when it cannot be imported.
// `context` must outlive the factory.
SourceSessionFactory renewing_snapshot_factory(RunContext& context);

// For the finishing steps (large objects): the session holding the run's snapshot, after
// checking it is still there; if it is gone, a new snapshot (said as above). Null for SQLite.
Task<Result<pg::Connection*>> live_snapshot_reader(RunContext& context,
                                                   pg::Connection* coordinator);

}  // namespace pgshift
