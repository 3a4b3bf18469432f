// PostgreSQL SQL text for reading and writing one chunk, from the plan model: the chunk predicate
// and the COPY statements (PostgreSQL dialect, so it lives with the PostgreSQL connector; SQLite
// sources build their own reads). Pure: identifiers quoted, bounds as typed literals, text keys
// compared in COLLATE "C" so a chunk names the same rows on both sides.
#pragma once

#include <string>
#include <vector>

#include "engine/model/pg_quote.hpp"
#include "engine/model/table.hpp"

namespace pgshift::pg {

std::string copied_column_list(const Table& table);
// For a table whose `chunks` (by number) cover its keys: the number of the chunk holding the row,
// a balanced CASE tree over the chunk bounds, in the same comparisons as chunk_predicate.
std::string chunk_number_sql(const Table& table, const std::vector<const Chunk*>& chunks);

// The WHERE condition naming exactly the chunk's rows ("true" for a whole table).
std::string chunk_predicate(const Table& table, const Chunk& chunk);
// COPY (SELECT ...) TO STDOUT (FORMAT binary) for the chunk; works on either side. A non-empty
// `and_condition` narrows it further (large_rows.hpp leaves large rows out with it).
std::string copy_out_sql(const Table& table, const Chunk& chunk,
                         const std::string& and_condition = {});
// COPY table (columns) FROM STDIN (FORMAT binary), with FREEZE for kFrozen (only valid in the
// transaction that created or emptied the table).
enum class CopyLoad { kPlain, kFrozen };
std::string copy_in_sql(const Table& table, CopyLoad load = CopyLoad::kPlain);
// Whether `chunks` (a table's chunks, by number) are contiguous key ranges covering every key:
// the first has no lower bound, the last no upper, and each upper is the next one's lower.
bool chunks_cover_keys(const Table& table, const std::vector<const Chunk*>& chunks);
// For a table whose `chunks` cover its keys: COPY (SELECT n, columns FROM the table) TO STDOUT
// (FORMAT binary), where n (int4) is the number of the chunk holding the row, found by a binary
// search over the chunk bounds in the same comparisons as chunk_predicate; `pages` limits the
// read to a ctid page range (a Chunk with only first_page/end_page set, or a whole-table Chunk).
// Reads every row whole: not for tables that may hold large rows (large_rows.hpp).
std::string copy_out_by_chunk_sql(const Table& table, const std::vector<const Chunk*>& chunks,
                                  const Chunk& pages);
// DELETE of the chunk's rows (to redo a chunk whose state is unknown).
std::string delete_chunk_sql(const Table& table, const Chunk& chunk);

}  // namespace pgshift::pg
