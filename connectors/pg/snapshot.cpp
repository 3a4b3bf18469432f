#include "connectors/pg/snapshot.hpp"

#include "engine/model/pg_quote.hpp"

namespace pgshift::pg {

std::string begin_at_snapshot_sql(std::string_view snapshot) {
  return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT " +
         quote_literal(snapshot);
}

Task<Result<std::string>> begin_and_export_snapshot(Connection& connection) {
  auto exported = co_await connection.query(kBeginAndExportSnapshotSql);
  if (!exported) co_return fail(std::move(exported.error()).within("exporting a snapshot"));
  co_return exported->text(0, 0);
}

}  // namespace pgshift::pg
