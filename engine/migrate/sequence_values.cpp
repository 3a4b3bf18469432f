#include "engine/migrate/sequence_values.hpp"

#include <vector>

#include "connectors/pg/catalog.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift {

Task<Result<SequenceUpdate>> sequence_update(pg::Connection& source, pg::Connection& target) {
  auto recorded = co_await target.query("SELECT to_regclass('pgshift.sequences') IS NOT NULL");
  if (!recorded) co_return fail(recorded.error());
  // (No co_await inside ?: — GCC 12 destroys such a temporary twice.)
  std::string names_sql =
      recorded->boolean(0, 0)
          ? "SELECT qualified_name FROM pgshift.sequences ORDER BY 1"
          : "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' "
            "AND n.nspname NOT IN ('pgshift', 'information_schema') AND n.nspname !~ '^pg_' "
            "ORDER BY 1";
  auto names = co_await target.query(names_sql);
  if (!names) co_return fail(names.error());
  std::vector<std::string> qualified;
  for (int row = 0; row < names->rows(); ++row) qualified.push_back(names->text(row, 0));
  auto sequences = co_await pg::read_sequence_values(source, qualified);
  if (!sequences) co_return fail(sequences.error());
  SequenceUpdate update;
  for (const auto& sequence : *sequences) {
    update.sql += "SELECT pg_catalog.setval(";
    update.sql += pg::quote_literal(sequence.qualified);
    update.sql += ", " + std::to_string(sequence.last_value);
    update.sql += sequence.is_called ? ", true); " : ", false); ";
    ++update.count;
  }
  co_return update;
}

}  // namespace pgshift
