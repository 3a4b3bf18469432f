#include "engine/migrate/sqlite_source_options.hpp"

#include <algorithm>

namespace pgshift {

sqlite::SourceOptions sqlite_source_options(const MigrateOptions& options) {
  sqlite::SourceOptions out;
  out.casts = options.casts;
  out.timestamptz = options.timestamptz;
  out.on_type_error = options.on_type_error;
  out.include_table = [filter = options.filter](const std::string& table) {
    return filter.accepts("public", table);
  };
  return out;
}

Status check_includes_matched(const pg::TableFilter& filter,
                              const std::vector<std::string>& names) {
  for (const auto& pattern : filter.include_tables) {
    pg::TableFilter only;
    only.include_tables = {pattern};
    bool matched = std::any_of(names.begin(), names.end(), [&](const std::string& name) {
      return only.accepts("public", name);
    });
    if (!matched) {
      return fail(ErrorKind::kUsage, "--include-table " + pattern + " matches no table");
    }
  }
  return {};
}

}  // namespace pgshift
