#include "engine/migrate/sequence_values.hpp"

#include <set>

#include "connectors/pg/catalog.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift {
namespace {

// "schema"."name" (format %I.%I, as pgshift.sequences holds them) of every user sequence, not an
// extension's.
constexpr const char* kSequenceNamesSql =
    "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' "
    "AND n.nspname NOT IN ('pgshift', 'information_schema') AND n.nspname !~ '^pg_' "
    "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
    "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid "
    "AND d.deptype = 'e') ORDER BY 1";

Task<Result<std::set<std::string>>> sequence_names(pg::Connection& connection,
                                                   const std::string& sql) {
  auto rows = co_await connection.query(sql);
  if (!rows) co_return fail(rows.error());
  std::set<std::string> out;
  for (int row = 0; row < rows->rows(); ++row) out.insert(rows->text(row, 0));
  co_return out;
}

}  // namespace

Task<Result<SequenceUpdate>> sequence_update(pg::Connection& source, pg::Connection& target,
                                             SequenceScope scope) {
  auto recorded = co_await target.query("SELECT to_regclass('pgshift.sequences') IS NOT NULL");
  if (!recorded) co_return fail(recorded.error());
  auto on_target = co_await sequence_names(target, kSequenceNamesSql);
  if (!on_target) co_return fail(on_target.error());
  // The run's own: those its pre-data created; a run recorded before that list existed made
  // every sequence the target held (it was empty).
  std::set<std::string> run = *on_target;
  bool listed = recorded->boolean(0, 0);
  if (listed) {
    auto names =
        co_await sequence_names(target, "SELECT qualified_name FROM pgshift.sequences ORDER BY 1");
    if (!names) co_return fail(names.error());
    run = std::move(*names);
  }
  std::set<std::string> wanted = run;
  if (scope == SequenceScope::kEveryShared) wanted.insert(on_target->begin(), on_target->end());
  auto on_source = co_await sequence_names(source, kSequenceNamesSql);
  if (!on_source) co_return fail(on_source.error());
  SequenceUpdate update;
  std::vector<std::string> shared;
  for (const auto& name : wanted) {
    if (on_source->count(name) && on_target->count(name)) shared.push_back(name);
  }
  // Only the run's own can have gone: any other is simply not the source's.
  if (listed) {
    for (const auto& name : run) {
      if (!on_source->count(name)) {
        update.gone.push_back(name);
      } else if (!on_target->count(name)) {
        update.absent.push_back(name);
      }
    }
  }
  auto sequences = co_await pg::read_sequence_values(source, shared);
  if (!sequences) co_return fail(sequences.error());
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
