// PostgreSQL's quoting of names and string literals, and a table's schema-qualified name. The
// target is always PostgreSQL, so every layer writes SQL with these (the SQLite connector too, for
// the DDL and expressions it translates into PostgreSQL). Pure; identifiers are always quoted, so
// names keep their case and may be reserved words.
#pragma once

#include <string>
#include <string_view>

#include "engine/model/table.hpp"

namespace pgshift::pg {

std::string quote_identifier(std::string_view name);
std::string quote_literal(std::string_view value);
std::string qualified_name(const Table& table);

}  // namespace pgshift::pg
