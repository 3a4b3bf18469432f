#include "verify/schema_diff.hpp"

#include <map>

namespace pgshift::verify {
namespace {

std::string qualified(const Table& table) {
  return table.schema + "." + table.name;
}

}  // namespace

std::vector<SchemaDifference> diff_schemas(const std::vector<Table>& source,
                                           const std::vector<Table>& target) {
  std::map<std::string, const Table*> by_name;
  for (const auto& table : target) by_name[qualified(table)] = &table;
  std::vector<SchemaDifference> out;
  std::map<std::string, bool> seen;
  for (const auto& table : source) {
    std::string name = qualified(table);
    seen[name] = true;
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      out.push_back({name, "missing_table", "table exists in the source only"});
      continue;
    }
    std::map<std::string, const Column*> target_columns;
    for (const auto& column : it->second->columns) target_columns[column.name] = &column;
    for (const auto& column : table.columns) {
      auto found = target_columns.find(column.name);
      if (found == target_columns.end()) {
        out.push_back({name, "missing_column", "column " + column.name + " missing in the target"});
        continue;
      }
      if (found->second->type_sql != column.type_sql) {
        out.push_back({name, "type_changed",
                       "column " + column.name + " is " + column.type_sql + " in the source, " +
                           found->second->type_sql + " in the target"});
      }
      target_columns.erase(found);
    }
    for (const auto& [column, unused] : target_columns) {
      out.push_back({name, "extra_column", "column " + column + " exists in the target only"});
    }
  }
  for (const auto& table : target) {
    if (!seen.count(qualified(table))) {
      out.push_back({qualified(table), "extra_table", "table exists in the target only"});
    }
  }
  return out;
}

bool comparable(const Table& source, const Table& target) {
  std::map<std::string, std::string> target_types;
  for (const auto& column : target.columns) {
    if (!column.generated) target_types[column.name] = column.type_sql;
  }
  for (const Column* column : source.copied_columns()) {
    auto it = target_types.find(column->name);
    if (it == target_types.end() || it->second != column->type_sql) return false;
  }
  return true;
}

}  // namespace pgshift::verify
