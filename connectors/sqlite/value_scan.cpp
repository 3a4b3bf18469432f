#include "connectors/sqlite/value_scan.hpp"

#include <chrono>

#include "connectors/sqlite/sqlite_database.hpp"
#include "connectors/sqlite/sqlite_row_source.hpp"

namespace pgshift::sqlite {

namespace {

// "key id=3" (or "key (no key)") of the current row, from the query's trailing locator columns.
std::string row_key(sqlite3_stmt* s, const ChunkQuery& query) {
  std::string key;
  for (std::size_t k = 0; k < query.locator.size(); ++k) {
    key += (k ? "," : "") + query.locator[k] + "=" +
           column_text(s, static_cast<int>(query.copied.size() + k));
  }
  return "key " + (key.empty() ? std::string("(no key)") : key);
}

}  // namespace

Result<TableScan> scan_table_values(sqlite3* db, const Table& table, const SourceTable& source) {
  auto started = std::chrono::steady_clock::now();
  Chunk whole;
  auto query = chunk_query(table, source, whole);
  if (!query) return fail(query.error());
  auto statement = prepare(db, query->sql);
  if (!statement) return fail(std::move(statement.error()).within("table " + table.name));
  TableScan scan;
  std::vector<ColumnFit>& fits = scan.columns;
  for (std::size_t index : query->copied) {
    fits.emplace_back();
    fits.back().column = source.columns[index].name;
  }
  ColumnTarget as_text;
  as_text.type = make_pg_type(TargetKind::kText);
  std::vector<std::byte> scratch;
  sqlite3_stmt* s = statement->get();
  while (true) {
    auto row = step(db, s);
    if (!row) return fail(std::move(row.error()).within("table " + table.name));
    if (!*row) break;
    ++scan.rows;
    for (std::size_t i = 0; i < query->copied.size(); ++i) {
      int type = sqlite3_column_type(s, static_cast<int>(i));
      if (type == SQLITE_NULL) continue;
      SqliteValue value;
      if (type == SQLITE_INTEGER) {
        value = SqliteValue::of_integer(sqlite3_column_int64(s, static_cast<int>(i)));
      } else if (type == SQLITE_FLOAT) {
        value = SqliteValue::of_real(sqlite3_column_double(s, static_cast<int>(i)));
      } else {
        const char* data =
            type == SQLITE_TEXT
                ? reinterpret_cast<const char*>(sqlite3_column_text(s, static_cast<int>(i)))
                : static_cast<const char*>(sqlite3_column_blob(s, static_cast<int>(i)));
        auto size = static_cast<std::size_t>(sqlite3_column_bytes(s, static_cast<int>(i)));
        std::string_view bytes = data ? std::string_view(data, size) : std::string_view();
        value = type == SQLITE_TEXT ? SqliteValue::of_text(bytes) : SqliteValue::of_blob(bytes);
      }
      scratch.clear();
      auto encoded = encode_value(value, source.columns[query->copied[i]].target, scratch);
      if (encoded) continue;
      if (fits[i].refused++ == 0)
        fits[i].first = row_key(s, *query) + ": " + encoded.error().message;
      scratch.clear();
      auto text = encode_value(value, as_text, scratch);
      if (!text && fits[i].refused_as_text++ == 0) {
        fits[i].first_as_text = row_key(s, *query) + ": " + text.error().message;
      }
    }
  }
  scan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return scan;
}

void retype_to_text(SqliteSchema& schema, std::size_t table, std::size_t column) {
  SourceColumn& source = schema.sources[table].columns[column];
  std::string was = source.target.type.sql;
  source.retyped_from = was;
  source.mapping.type = make_pg_type(TargetKind::kText);
  source.target.type = source.mapping.type;
  source.mapping.note = "--on-type-error=text: text instead of " + was;
  Column& model = schema.tables[table].columns[column];
  model.type_oid = source.target.type.oid;
  model.type_sql = source.target.type.sql;
  model.kind = pg::ValueKind::kScalar;
  model.collatable = true;
  source.identity = false;
  SourceTable& owner = schema.sources[table];
  if (owner.key_column == column) {
    // A text key cannot be cut into integer ranges: fall back to rowid ranges or one chunk.
    owner.key_column.reset();
    owner.range =
        owner.rowid_name.empty() ? SourceTable::Range::kWhole : SourceTable::Range::kRowid;
    schema.tables[table].key.clear();
    schema.tables[table].key_name.clear();
  }
}

}  // namespace pgshift::sqlite
