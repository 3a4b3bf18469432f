// Plans a source's chunks: sizes each table, samples key values where a table needs several
// chunks, and orders the work largest first. Shared by migrate and verify. Reads only.
#pragma once

#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/plan/chunk_planner.hpp"

namespace pgshift::plan {

Task<Result<std::vector<Chunk>>> plan_source_chunks(pg::Connection& source,
                                                    const std::vector<Table>& tables,
                                                    const PlannerOptions& options);

}  // namespace pgshift::plan
