// What `verify` compares besides tables, on the two connections it holds in each side's snapshot:
// materialized views (verify/matviews.hpp) and large objects (verify/large_objects.hpp), each as a
// report entry whose mismatches count like a table's. For PostgreSQL sources (SQLite has neither).
#pragma once

#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/connection.hpp"
#include "engine/model/binary_values.hpp"
#include "verify/report.hpp"

namespace pgshift {

Task<Result<std::vector<verify::ReportTable>>> compare_other_objects(
    pg::Connection& source, const pg::TypeShapes& source_shapes, pg::Connection& target,
    const pg::TypeShapes& target_shapes, const pg::TableFilter& filter);

}  // namespace pgshift
