#include "engine/command/source_options.hpp"

#include <algorithm>

#include "connectors/sqlite/sqlite_row_source.hpp"

namespace pgshift {

sqlite::SourceOptions sqlite_source_options(const CommonOptions& options) {
  sqlite::SourceOptions out;
  out.casts = options.casts;
  out.timestamptz = options.timestamptz;
  out.on_type_error = options.on_type_error;
  out.include_table = [filter = options.filter](const std::string& table) {
    return filter.accepts("public", table);
  };
  return out;
}

sqlite::SourceOptions sqlite_migrate_source_options(const CommonOptions& options) {
  sqlite::SourceOptions out = sqlite_source_options(options);
  out.cluster_memory_bytes = sqlite::kClusterMemoryBytes;
  out.readers = options.jobs;
  return out;
}

Status check_includes_matched(const pg::TableFilter& filter,
                              const std::vector<std::pair<std::string, std::string>>& tables) {
  for (const auto& pattern : filter.include_tables) {
    pg::TableFilter only;
    only.include_tables = {pattern};
    bool matched = std::any_of(tables.begin(), tables.end(), [&](const auto& table) {
      return only.accepts(table.first, table.second);
    });
    if (!matched) {
      return fail(ErrorKind::kUsage, "--include-table " + pattern + " matches no table");
    }
  }
  return {};
}

}  // namespace pgshift
