#include "engine/cutover/unfollowed_tables.hpp"

#include <set>
#include <utility>

#include "engine/model/pg_quote.hpp"
#include "engine/state/run_state.hpp"

namespace pgshift::cutover {

Task<Status> refuse_unfollowed_tables(pg::Connection& source, pg::Connection& target,
                                      const std::string& publication,
                                      const pg::TableFilter& cutover_filter) {
  auto recorded = co_await state::load_run_filter(target);
  if (!recorded) co_return fail(recorded.error());
  pg::TableFilter filter = recorded->value_or(cutover_filter);
  if (*recorded) {
    filter.exclude_tables.insert(filter.exclude_tables.end(), cutover_filter.exclude_tables.begin(),
                                 cutover_filter.exclude_tables.end());
    filter.exclude_schemas.insert(filter.exclude_schemas.end(),
                                  cutover_filter.exclude_schemas.begin(),
                                  cutover_filter.exclude_schemas.end());
  }
  auto selected = co_await pg::read_selected_row_tables(source, filter);
  if (!selected) co_return fail(std::move(selected.error()).within("reading the source's tables"));
  auto published = co_await source.query(
      "SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = " +
      pg::quote_literal(publication));
  if (!published) co_return fail(published.error());
  std::set<std::pair<std::string, std::string>> followed;
  for (int row = 0; row < published->rows(); ++row) {
    followed.insert({published->text(row, 0), published->text(row, 1)});
  }
  std::string named;
  int count = 0;
  for (const auto& table : *selected) {
    if (followed.count(table)) continue;
    if (count++ < 20) named += (named.empty() ? "" : ", ") + table.first + "." + table.second;
  }
  if (count == 0) co_return Status{};
  if (count > 20) named += " and " + std::to_string(count - 20) + " more";
  co_return fail(ErrorKind::kRefused,
                 std::to_string(count) +
                     " table(s) on the source are not followed by the change stream, so the "
                     "target would not have their rows: " +
                     named +
                     " (made since the sync began?); run `pgshift sync --restart` to copy again "
                     "with them, or leave them out knowingly with --exclude-table");
}

}  // namespace pgshift::cutover
