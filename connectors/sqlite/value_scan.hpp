// A read of every value of a table's copied columns through the encoder, counting per column the
// values its target type refuses (with the first one's message), and of those the values that text
// refuses too (invalid UTF-8, NUL bytes). For `pgshift plan`, and for --on-type-error=text, which
// is applied per column before any DDL runs: a column with refused values is retyped to text
// (retype_to_text, then build_schema_ddl) and all its values are then copied in their text form.
// Blocking, read-only; costs one full read of the table.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/sqlite/schema_reader.hpp"

namespace pgshift::sqlite {

struct ColumnFit {
  std::string column;
  std::uint64_t refused = 0;
  std::string first;  // "key id=3: value 'x' is not an integer"
  // Of the refused values, those a text column refuses too: --on-type-error=text cannot carry them.
  std::uint64_t refused_as_text = 0;
  std::string first_as_text;
};

struct TableScan {
  std::uint64_t rows = 0;
  double seconds = 0;              // wall time of the read, for estimates
  std::vector<ColumnFit> columns;  // one per copied column, in Table::copied_columns() order
};

Result<TableScan> scan_table_values(sqlite3* db, const Table& table, const SourceTable& source);

// Makes column `column` of table `table` text (type, encoder target and model), noting why and
// what it was (SourceColumn::retyped_from).
void retype_to_text(SqliteSchema& schema, std::size_t table, std::size_t column);

}  // namespace pgshift::sqlite
