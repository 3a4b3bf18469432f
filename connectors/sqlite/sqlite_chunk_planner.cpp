#include "connectors/sqlite/sqlite_chunk_planner.hpp"

#include "connectors/sqlite/sqlite_database.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite {
namespace {

// The first integer value of `expression` in the given direction from `from`, or nothing.
Result<std::optional<std::int64_t>> seek(sqlite3* db, const std::string& table,
                                         const std::string& expression, std::int64_t from,
                                         bool ascending) {
  std::string sql = "SELECT " + expression + " FROM " + pg::quote_identifier(table) + " WHERE " +
                    expression + (ascending ? " >= ?1" : " <= ?1") + " AND typeof(" + expression +
                    ") = 'integer' ORDER BY " + expression + (ascending ? "" : " DESC") +
                    " LIMIT 1";
  auto statement = prepare(db, sql);
  if (!statement) return fail(statement.error());
  sqlite3_bind_int64(statement->get(), 1, from);
  auto row = step(db, statement->get());
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(sqlite3_column_int64(statement->get(), 0));
}

// The integer value `offset` places after the first one at or after `from`, in key order.
Result<std::optional<std::int64_t>> seek_offset(sqlite3* db, const std::string& table,
                                                const std::string& expression, std::int64_t from,
                                                std::int64_t offset) {
  std::string sql = "SELECT " + expression + " FROM " + pg::quote_identifier(table) + " WHERE " +
                    expression + " >= ?1 AND typeof(" + expression + ") = 'integer' ORDER BY " +
                    expression + " LIMIT 1 OFFSET ?2";
  auto statement = prepare(db, sql);
  if (!statement) return fail(statement.error());
  sqlite3_bind_int64(statement->get(), 1, from);
  sqlite3_bind_int64(statement->get(), 2, offset);
  auto row = step(db, statement->get());
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(sqlite3_column_int64(statement->get(), 0));
}

Chunk whole_table(std::size_t table_index, const Table& table) {
  Chunk chunk;
  chunk.table_index = table_index;
  chunk.estimated_bytes = table.bytes;
  return chunk;
}

}  // namespace

Result<std::vector<Chunk>> plan_sqlite_chunks(sqlite3* db, std::size_t table_index,
                                              const Table& table, const SourceTable& source,
                                              int chunks) {
  std::vector<Chunk> out;
  if (source.range == SourceTable::Range::kWhole || chunks <= 1) {
    out.push_back(whole_table(table_index, table));
    return out;
  }
  std::string expression = source.range == SourceTable::Range::kKey
                               ? pg::quote_identifier(source.columns[*source.key_column].name)
                               : source.rowid_name;
  auto where = [&](Error error) { return std::move(error).within("planning " + source.name); };
  auto low = seek(db, source.name, expression, INT64_MIN, true);
  if (!low) return fail(where(low.error()));
  auto high = seek(db, source.name, expression, INT64_MAX, false);
  if (!high) return fail(where(high.error()));
  if (!*low || !*high || **low >= **high) {
    out.push_back(whole_table(table_index, table));
    return out;
  }
  std::vector<std::int64_t> bounds;
  __int128 span = static_cast<__int128>(**high) - **low;
  for (int i = 1; i < chunks; ++i) {
    auto point = static_cast<std::int64_t>(**low + span * i / chunks);
    if (!bounds.empty() && point <= bounds.back()) continue;
    auto snapped = seek(db, source.name, expression, point, true);
    if (!snapped) return fail(where(snapped.error()));
    if (!*snapped || **snapped <= **low) continue;
    if (bounds.empty() || **snapped > bounds.back()) bounds.push_back(**snapped);
  }
  if (static_cast<int>(bounds.size()) + 1 < chunks && table.estimated_rows >= chunks) {
    // Points merged while snapping: the values are unevenly spread. Walk the key in order
    // instead, one bound every rows/chunks values (one pass over the key's b-tree).
    auto step = static_cast<std::int64_t>(table.estimated_rows / chunks);
    std::vector<std::int64_t> walked;
    std::int64_t from = **low;
    for (int i = 1; i < chunks && step > 0; ++i) {
      auto next = seek_offset(db, source.name, expression, from, step);
      if (!next) return fail(where(next.error()));
      if (!*next) break;
      walked.push_back(**next);
      from = **next;
    }
    if (walked.size() > bounds.size()) bounds = std::move(walked);
  }
  std::int64_t share = table.bytes / static_cast<std::int64_t>(bounds.size() + 1);
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    Chunk chunk;
    chunk.table_index = table_index;
    chunk.number = static_cast<int>(i);
    chunk.estimated_bytes = share;
    if (source.range == SourceTable::Range::kKey) {
      if (i > 0) chunk.lower = KeyValue{std::to_string(bounds[i - 1])};
      if (i < bounds.size()) chunk.upper = KeyValue{std::to_string(bounds[i])};
    } else {
      if (i > 0) chunk.first_page = bounds[i - 1];
      if (i < bounds.size()) chunk.end_page = bounds[i];
    }
    out.push_back(std::move(chunk));
  }
  return out;
}

}  // namespace pgshift::sqlite
