// PostgreSQL SQL text for reading and writing one chunk, from the plan model: the chunk predicate
// and the COPY statements (PostgreSQL dialect, so it lives with the PostgreSQL connector; SQLite
// sources build their own reads). Pure: identifiers quoted, bounds as typed literals, text keys
// compared in COLLATE "C" so a chunk names the same rows on both sides.
#pragma once

#include <string>

#include "engine/model/pg_quote.hpp"
#include "engine/model/table.hpp"

namespace pgshift::pg {

std::string copied_column_list(const Table& table);

// The WHERE condition naming exactly the chunk's rows ("true" for a whole table).
std::string chunk_predicate(const Table& table, const Chunk& chunk);
// COPY (SELECT ...) TO STDOUT (FORMAT binary) for the chunk; works on either side. A non-empty
// `and_condition` narrows it further (large_rows.hpp leaves large rows out with it).
std::string copy_out_sql(const Table& table, const Chunk& chunk,
                         const std::string& and_condition = {});
// COPY table (columns) FROM STDIN (FORMAT binary).
std::string copy_in_sql(const Table& table);
// DELETE of the chunk's rows (to redo a chunk whose state is unknown).
std::string delete_chunk_sql(const Table& table, const Chunk& chunk);

}  // namespace pgshift::pg
