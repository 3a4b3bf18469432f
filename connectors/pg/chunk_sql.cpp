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

// The number of the chunk among chunks[first..last] that holds the key: a balanced CASE tree,
// so a row costs log2(chunks) comparisons.
std::string chunk_number_of_key(const Table& table, const std::vector<const Chunk*>& chunks,
                                std::size_t first, std::size_t last) {
  if (first == last) return std::to_string(chunks[first]->number);
  std::size_t middle = (first + last + 1) / 2;
  return "CASE WHEN " + key_tuple(table, true, nullptr) + " < " +
         key_tuple(table, false, &*chunks[middle]->lower) + " THEN " +
         chunk_number_of_key(table, chunks, first, middle - 1) + " ELSE " +
         chunk_number_of_key(table, chunks, middle, last) + " END";
}

}  // namespace

std::string chunk_number_sql(const Table& table, const std::vector<const Chunk*>& chunks) {
  return chunk_number_of_key(table, chunks, 0, chunks.size() - 1);
}

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

bool chunks_cover_keys(const Table& table, const std::vector<const Chunk*>& chunks) {
  if (table.key.empty() || chunks.empty()) return false;
  if (chunks.front()->lower || chunks.back()->upper) return false;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i]->first_page || chunks[i]->end_page) return false;
    if (i + 1 < chunks.size() &&
        (!chunks[i]->upper || !chunks[i + 1]->lower || *chunks[i]->upper != *chunks[i + 1]->lower))
      return false;
  }
  return true;
}

std::string copy_out_by_chunk_sql(const Table& table, const std::vector<const Chunk*>& chunks,
                                  const Chunk& pages) {
  std::string columns = copied_column_list(table);
  return "COPY (SELECT (" + chunk_number_sql(table, chunks) + ")::pg_catalog.int4" +
         (columns.empty() ? "" : ", " + columns) + " FROM ONLY " + qualified_name(table) +
         " WHERE " + chunk_predicate(table, pages) + ") TO STDOUT (FORMAT binary)";
}

std::string copy_in_sql(const Table& table, CopyLoad load) {
  std::string options = load == CopyLoad::kFrozen ? "(FORMAT binary, FREEZE)" : "(FORMAT binary)";
  if (table.copied_columns().empty())
    return "COPY " + qualified_name(table) + " FROM STDIN " + options;
  return "COPY " + qualified_name(table) + " (" + copied_column_list(table) + ") FROM STDIN " +
         options;
}

std::string delete_chunk_sql(const Table& table, const Chunk& chunk) {
  return "DELETE FROM ONLY " + qualified_name(table) + " WHERE " + chunk_predicate(table, chunk);
}

}  // namespace pgshift::pg
