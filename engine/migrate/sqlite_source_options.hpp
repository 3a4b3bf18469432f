// The SQLite source's reading options from the command line, the same for migrate, verify and
// plan: --cast, --timestamptz, --on-type-error and the table filter. SQLite tables land in schema
// "public", so --include-table/--exclude-table patterns are matched against public.<table> (a
// bare table name matches too) and --exclude-schema public leaves nothing.
#pragma once

#include <vector>

#include "connectors/sqlite/sqlite_source.hpp"
#include "engine/migrate/migrate_options.hpp"

namespace pgshift {

sqlite::SourceOptions sqlite_source_options(const MigrateOptions& options);

// Errors (kUsage) naming the first --include-table pattern that matches none of the tables read
// (`names`, in schema public): a misspelt name must not quietly migrate nothing.
Status check_includes_matched(const pg::TableFilter& filter, const std::vector<std::string>& names);

template <typename Tables>
Status check_includes_matched(const pg::TableFilter& filter, const Tables& tables) {
  std::vector<std::string> names;
  for (const auto& table : tables) names.push_back(table.name);
  return check_includes_matched(filter, names);
}

}  // namespace pgshift
