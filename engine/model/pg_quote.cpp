#include "engine/model/pg_quote.hpp"

namespace pgshift::pg {

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quote_literal(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string qualified_name(const Table& table) {
  return quote_identifier(table.schema) + "." + quote_identifier(table.name);
}

}  // namespace pgshift::pg
