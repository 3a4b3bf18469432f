// Cuts one SQLite table into chunks by ranges of its integer key or of its rowid
// (SourceTable::Range), with bounds that are real values of that key or rowid. SQLite finds the
// smallest and largest value and any value at or after a point in O(log n) through the table or
// key b-tree, so each bound is an evenly spaced point snapped forward to the next existing value
// (a real key value, as the design asks). When values are unevenly spread, points merge while
// snapping (an outlier id far above the rest puts them all on it); then the planner walks the key
// in order instead (ORDER BY key LIMIT 1 OFFSET rows/chunks from the previous bound: one pass over
// the key's b-tree, which for a rowid table is the table itself), so each chunk gets about the same
// number of rows. A table may still get fewer chunks than asked for. kKey bounds go to
// Chunk::lower/upper (one text value each, as for PostgreSQL sources); kRowid bounds go to
// Chunk::first_page/end_page, which for SQLite sources hold rowids (the table is keyless in the
// model, so the target never evaluates them); kWhole tables get one whole-table chunk. The first
// chunk is open below and the last open above. Blocking, read-only; numbers chunks from 0.
#pragma once

#include <sqlite3.h>

#include <vector>

#include "connectors/sqlite/schema_reader.hpp"

namespace pgshift::sqlite {

Result<std::vector<Chunk>> plan_sqlite_chunks(sqlite3* db, std::size_t table_index,
                                              const Table& table, const SourceTable& source,
                                              int chunks);

}  // namespace pgshift::sqlite
