// Schema comparison for `pgshift verify`: tables present on one side only, columns missing, extra
// or of another type. Pure: works on the plan model read from each side.
#pragma once

#include <string>
#include <vector>

#include "engine/model/table.hpp"

namespace pgshift::verify {

struct SchemaDifference {
  std::string table;  // schema.name
  std::string kind;   // missing_table | extra_table | missing_column | extra_column | type_changed
  std::string detail;
};

std::vector<SchemaDifference> diff_schemas(const std::vector<Table>& source,
                                           const std::vector<Table>& target);

// Whether a table's rows can be compared value by value (same copied columns, same types).
bool comparable(const Table& source, const Table& target);

}  // namespace pgshift::verify
