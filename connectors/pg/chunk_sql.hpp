// SQL text for reading and writing one chunk, from the plan model. Pure: identifiers quoted, bounds
// as typed literals, text keys compared in COLLATE "C" so a chunk names the same rows on both
// sides.
#pragma once

#include <string>

#include "engine/model/table.hpp"

namespace pgshift::plan {

std::string quote_identifier(std::string_view name);
std::string quote_literal(std::string_view value);
std::string qualified_name(const Table& table);
std::string copied_column_list(const Table& table);

// The WHERE condition naming exactly the chunk's rows ("true" for a whole table).
std::string chunk_predicate(const Table& table, const Chunk& chunk);
// COPY (SELECT ...) TO STDOUT (FORMAT binary) for the chunk; works on either side.
std::string copy_out_sql(const Table& table, const Chunk& chunk);
// COPY table (columns) FROM STDIN (FORMAT binary).
std::string copy_in_sql(const Table& table);
// DELETE of the chunk's rows (to redo a chunk whose state is unknown).
std::string delete_chunk_sql(const Table& table, const Chunk& chunk);

// "[(100), (200))", "pages [0, 128)", "whole table": how reports name a chunk's range.
std::string describe_key_range(const Chunk& chunk);

}  // namespace pgshift::plan
