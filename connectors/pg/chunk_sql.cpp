#include "connectors/pg/chunk_sql.hpp"

namespace pgshift::pg {
namespace {

std::string key_tuple(const Table& table, bool columns_side, const KeyValue* values) {
  std::string out = table.key.size() > 1 ? "(" : "";
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    const Column& column = table.columns[table.key[i]];
    if (i > 0) out += ", ";
    if (columns_side) {
      out += quote_identifier(column.name);
    } else {
      out += quote_literal((*values)[i]) + "::" + column.type_sql;
    }
    if (column.collatable) out += " COLLATE \"C\"";
  }
  return out + (table.key.size() > 1 ? ")" : "");
}

std::string tid(std::int64_t page) {
  return "'(" + std::to_string(page) + ",0)'::tid";
}

}  // namespace

std::string copied_column_list(const Table& table) {
  std::string out;
  for (const Column* column : table.copied_columns()) {
    if (!out.empty()) out += ", ";
    out += quote_identifier(column->name);
  }
  return out;
}

std::string chunk_predicate(const Table& table, const Chunk& chunk) {
  std::string out;
  auto conjoin = [&](const std::string& condition) {
    out += out.empty() ? condition : " AND " + condition;
  };
  if (chunk.lower) {
    conjoin(key_tuple(table, true, nullptr) + " >= " + key_tuple(table, false, &*chunk.lower));
  }
  if (chunk.upper) {
    conjoin(key_tuple(table, true, nullptr) + " < " + key_tuple(table, false, &*chunk.upper));
  }
  if (chunk.first_page) conjoin("ctid >= " + tid(*chunk.first_page));
  if (chunk.end_page) conjoin("ctid < " + tid(*chunk.end_page));
  return out.empty() ? "true" : out;
}

std::string copy_out_sql(const Table& table, const Chunk& chunk, const std::string& and_condition) {
  std::string where = chunk_predicate(table, chunk);
  if (!and_condition.empty()) where += " AND " + and_condition;
  if (table.copied_columns().empty()) {
    return "COPY (SELECT FROM ONLY " + qualified_name(table) + " WHERE " + where +
           ") TO STDOUT (FORMAT binary)";
  }
  return "COPY (SELECT " + copied_column_list(table) + " FROM ONLY " + qualified_name(table) +
         " WHERE " + where + ") TO STDOUT (FORMAT binary)";
}

std::string copy_in_sql(const Table& table) {
  if (table.copied_columns().empty())
    return "COPY " + qualified_name(table) + " FROM STDIN (FORMAT binary)";
  return "COPY " + qualified_name(table) + " (" + copied_column_list(table) +
         ") FROM STDIN (FORMAT binary)";
}

std::string delete_chunk_sql(const Table& table, const Chunk& chunk) {
  return "DELETE FROM ONLY " + qualified_name(table) + " WHERE " + chunk_predicate(table, chunk);
}

}  // namespace pgshift::pg
