// A read of every value of a table's copied columns through the encoder, counting per column the
// values its target type refuses (with the first one's message). For `pgshift plan` warnings, and
// for --on-type-error=text, which is applied per column before any DDL runs: a column with refused
// values is retyped to text (retype_to_text, then build_schema_ddl again) and all its values are
// then copied in their text form. Blocking, read-only; costs one full read of the table.
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
};

// One entry per copied column, in Table::copied_columns() order.
Result<std::vector<ColumnFit>> scan_table_values(sqlite3* db, const Table& table,
                                                 const SourceTable& source);

// Makes column `column` of table `table` text (type, encoder target and model), noting why.
void retype_to_text(SqliteSchema& schema, std::size_t table, std::size_t column);

}  // namespace pgshift::sqlite
