// What the command line says about reading the source, shared by migrate, verify and plan: the
// SQLite source's reading options (--cast, --timestamptz, --on-type-error and the table filter:
// SQLite tables land in schema "public", so --include-table/--exclude-table patterns are matched
// against public.<table>, a bare name matching too), and the check that every --include-table
// pattern named something.
#pragma once

#include <string>
#include <vector>

#include "connectors/sqlite/sqlite_source.hpp"
#include "engine/command/common_options.hpp"

namespace pgshift {

sqlite::SourceOptions sqlite_source_options(const CommonOptions& options);

// The same as migrate reads: keyless tables in index order, from a budget shared by --jobs
// readers. `plan` uses it too, so that it shows the chunks migrate will copy.
sqlite::SourceOptions sqlite_migrate_source_options(const CommonOptions& options);

// Errors (kUsage) naming the first --include-table pattern that matches none of the tables read,
// (schema, name) pairs: a misspelt name must not quietly migrate or compare nothing.
Status check_includes_matched(const pg::TableFilter& filter,
                              const std::vector<std::pair<std::string, std::string>>& tables);

template <typename Tables>
Status check_includes_matched(const pg::TableFilter& filter, const Tables& tables) {
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto& table : tables) names.emplace_back(table.schema, table.name);
  return check_includes_matched(filter, names);
}

}  // namespace pgshift
