// Plans a SQLite source's chunks: sizes each table, cuts it by ranges of its integer key or rowid
// (connectors/sqlite/sqlite_chunk_planner.hpp), and orders the work largest first; the SQLite
// counterpart of source_planner.hpp. With clustering on, a keyless table whose batch fits the
// whole budget, and whose copy work is at most one worker's share, is one chunk, so that it reaches
// the target as one run in index order. Shared by migrate, verify and plan. Blocking, reads only.
#pragma once

#include <vector>

#include "connectors/sqlite/sqlite_source.hpp"
#include "engine/plan/chunk_planner.hpp"

namespace pgshift::plan {

Result<std::vector<Chunk>> plan_sqlite_source_chunks(const sqlite::SqliteSource& source,
                                                     const PlannerOptions& options);

}  // namespace pgshift::plan
