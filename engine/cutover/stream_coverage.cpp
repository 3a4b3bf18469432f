#include "engine/cutover/stream_coverage.hpp"

#include <set>
#include <utility>

#include "engine/model/pg_quote.hpp"
#include "engine/state/run_state.hpp"

namespace pgshift::cutover {
namespace {

using Name = std::pair<std::string, std::string>;  // schema, name

constexpr int kNamed = 20;

// "a.b, c.d and 3 more", for the first kNamed.
std::string name_list(const std::vector<Name>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kNamed; ++i) {
    out += (out.empty() ? "" : ", ") + names[i].first + "." + names[i].second;
  }
  if (names.size() > kNamed) out += " and " + std::to_string(names.size() - kNamed) + " more";
  return out;
}

Task<Result<pg::TableFilter>> run_selection(pg::Connection& target,
                                            const pg::TableFilter& cutover_filter) {
  auto recorded = co_await state::load_run_filter(target);
  if (!recorded) co_return fail(recorded.error());
  if (!*recorded) co_return cutover_filter;
  pg::TableFilter filter = **recorded;
  filter.exclude_tables.insert(filter.exclude_tables.end(), cutover_filter.exclude_tables.begin(),
                               cutover_filter.exclude_tables.end());
  filter.exclude_schemas.insert(filter.exclude_schemas.end(),
                                cutover_filter.exclude_schemas.begin(),
                                cutover_filter.exclude_schemas.end());
  co_return filter;
}

Task<Result<std::set<Name>>> names(pg::Connection& connection, const std::string& sql) {
  auto rows = co_await connection.query(sql);
  if (!rows) co_return fail(rows.error());
  std::set<Name> out;
  for (int row = 0; row < rows->rows(); ++row) out.insert({rows->text(row, 0), rows->text(row, 1)});
  co_return out;
}

// Sequences outside the catalogs, pgshift's state and extensions, with the table owning each
// (NULL for one that stands alone).
constexpr const char* kSequencesSql = R"SQL(
  SELECT n.nspname, c.relname, tn.nspname, t.relname
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
  LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
  WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgshift')
    AND n.nspname !~ '^pg_'
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
  ORDER BY 1, 2)SQL";

// Source sequences the target lacks that the run would have created: those of tables it follows,
// and, when it took every table of a schema, those standing alone there.
Task<Result<std::vector<Name>>> missing_sequences(pg::Connection& source, pg::Connection& target,
                                                  const pg::TableFilter& filter,
                                                  const std::set<Name>& followed) {
  auto on_source = co_await source.query(kSequencesSql);
  if (!on_source) co_return fail(on_source.error());
  auto on_target = co_await names(target, kSequencesSql);
  if (!on_target) co_return fail(on_target.error());
  std::vector<Name> missing;
  for (int row = 0; row < on_source->rows(); ++row) {
    Name sequence{on_source->text(row, 0), on_source->text(row, 1)};
    if (on_target->count(sequence)) continue;
    bool taken = on_source->is_null(row, 3)
                     ? filter.include_tables.empty() && filter.accepts_schema(sequence.first)
                     : followed.count({on_source->text(row, 2), on_source->text(row, 3)}) > 0;
    if (taken) missing.push_back(std::move(sequence));
  }
  co_return missing;
}

}  // namespace

Task<Result<std::vector<std::string>>> check_stream_coverage(pg::Connection& source,
                                                             pg::Connection& target,
                                                             pg::Connection& run_holder,
                                                             const std::string& publication,
                                                             const pg::TableFilter& cutover_filter,
                                                             const Sides& sides, bool reverse) {
  auto filter = co_await run_selection(run_holder, cutover_filter);
  if (!filter) co_return fail(filter.error());
  auto selected = co_await pg::read_selected_row_tables(source, *filter);
  if (!selected) co_return fail(std::move(selected.error()).within("reading the source's tables"));
  auto followed = co_await names(
      source,
      "SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = " +
          pg::quote_literal(publication));
  if (!followed) co_return fail(followed.error());
  std::vector<Name> unfollowed;
  for (const auto& table : *selected) {
    if (!followed->count(table)) unfollowed.push_back(table);
  }
  auto sequences = co_await missing_sequences(source, target, *filter, *followed);
  if (!sequences) co_return fail(sequences.error());
  std::string refusal;
  if (!unfollowed.empty()) {
    // A rollback's reverse stream was never a copy: --restart cannot bring a table over.
    std::string remedy = reverse ? "leave them out knowingly with --exclude-table (their rows stay "
                                   "only on " +
                                       sides.source + "), or copy them by hand first"
                                 : "run `pgshift sync --restart` to copy again with them, or leave "
                                   "them out knowingly with --exclude-table";
    refusal = std::to_string(unfollowed.size()) + " table(s) on " + sides.source +
              " are not followed by the change stream, so " + sides.target +
              " would not have their rows: " + name_list(unfollowed) +
              " (made since the stream began?); " + remedy;
  }
  if (!sequences->empty()) {
    refusal += std::string(refusal.empty() ? "" : "; and ") + std::to_string(sequences->size()) +
               " sequence(s) on " + sides.source + " are not on " + sides.target + ": " +
               name_list(*sequences) + " (made since the stream began?); create them on " +
               sides.target + " (the switch then sets their values)";
  }
  if (!refusal.empty()) co_return fail(ErrorKind::kRefused, std::move(refusal));

  // The run's tables that the source no longer has: the target keeps them.
  std::vector<std::string> warnings;
  auto recorded = co_await run_holder.query("SELECT to_regclass('pgshift.tables') IS NOT NULL");
  if (!recorded) co_return fail(recorded.error());
  if (!recorded->boolean(0, 0)) co_return warnings;  // a stream without a copy records none
  auto copied = co_await names(run_holder, "SELECT schema_name, table_name FROM pgshift.tables");
  if (!copied) co_return fail(copied.error());
  auto on_source = co_await pg::read_table_names(source);
  if (!on_source) co_return fail(on_source.error());
  std::set<Name> present(on_source->begin(), on_source->end());
  std::vector<Name> gone;
  for (const auto& table : *copied) {
    if (!present.count(table)) gone.push_back(table);
  }
  if (!gone.empty()) {
    warnings.push_back(std::to_string(gone.size()) +
                       " table(s) copied by the run are gone from the source (dropped since the "
                       "sync began?) and are still on the target: " +
                       name_list(gone) + "; drop them there if they should go too");
  }
  co_return warnings;
}

}  // namespace pgshift::cutover
