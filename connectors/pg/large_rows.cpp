#include "connectors/pg/large_rows.hpp"

#include "connectors/pg/chunk_sql.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::pg {
namespace {

constexpr std::uint32_t kByteaOid = 17;
constexpr std::uint32_t kTextOid = 25;
constexpr std::uint32_t kVarcharOid = 1043;

std::string by_ctid(const Table& table, const std::string& ctid) {
  return " FROM ONLY " + qualified_name(table) + " WHERE ctid = " + quote_literal(ctid) + "::tid";
}

}  // namespace

SliceUnit slice_unit(const Column& column) {
  switch (column.type_oid) {
    case kByteaOid:
      return SliceUnit::kBytes;
    case kTextOid:
    case kVarcharOid:
      return SliceUnit::kText;
    default:
      return SliceUnit::kNone;
  }
}

std::vector<std::size_t> sliceable_columns(const Table& table) {
  std::vector<std::size_t> out;
  auto columns = table.copied_columns();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (slice_unit(*columns[i]) != SliceUnit::kNone) out.push_back(i);
  }
  return out;
}

std::string toast_bytes_sql(const Table& table) {
  return "SELECT COALESCE(pg_catalog.pg_relation_size(NULLIF(c.reltoastrelid, 0)), 0) FROM "
         "pg_catalog.pg_class c WHERE c.oid = " +
         quote_literal(qualified_name(table)) + "::pg_catalog.regclass";
}

std::string large_row_predicate(const Table& table, const std::vector<std::size_t>& sliceable) {
  auto columns = table.copied_columns();
  std::string sum;
  for (std::size_t index : sliceable) {
    if (!sum.empty()) sum += " + ";
    sum += "COALESCE(pg_catalog.octet_length(" + quote_identifier(columns[index]->name) +
           ")::bigint, 0)";
  }
  return "(" + sum + ") > " + std::to_string(kLargeRowBytes);
}

std::string large_rows_sql(const Table& table, const Chunk& chunk, const std::string& predicate) {
  return "SELECT ctid FROM ONLY " + qualified_name(table) + " WHERE " +
         chunk_predicate(table, chunk) + " AND " + predicate;
}

std::string large_row_fields_sql(const Table& table, const std::vector<std::size_t>& sliceable,
                                 const std::string& ctid) {
  auto columns = table.copied_columns();
  std::string list;
  for (std::size_t i = 0, next = 0; i < columns.size(); ++i) {
    if (!list.empty()) list += ", ";
    if (next < sliceable.size() && sliceable[next] == i) {
      list += "NULL::" + columns[i]->type_sql;
      ++next;
    } else {
      list += quote_identifier(columns[i]->name);
    }
  }
  return "COPY (SELECT " + list + by_ctid(table, ctid) + ") TO STDOUT (FORMAT binary)";
}

std::string large_row_lengths_sql(const Table& table, const std::vector<std::size_t>& sliceable,
                                  const std::string& ctid) {
  auto columns = table.copied_columns();
  std::string list;
  for (std::size_t index : sliceable) {
    if (!list.empty()) list += ", ";
    list += "pg_catalog.octet_length(" + quote_identifier(columns[index]->name) + ")::bigint";
  }
  return "SELECT " + list + by_ctid(table, ctid);
}

std::string value_slices_sql(const Table& table, std::size_t copied_index, const std::string& ctid,
                             std::int64_t slice_bytes) {
  const Column& column = *table.copied_columns()[copied_index];
  std::string name = quote_identifier(column.name);
  // Detoasted once (a new value, not the stored one), in the subquery that OFFSET 0 keeps from
  // being folded into the outer query, where it would be evaluated again for every slice.
  std::string bytes = slice_unit(column) == SliceUnit::kText
                          ? "pg_catalog.convert_to(" + name + ", pg_catalog.pg_client_encoding())"
                          : name + " OPERATOR(pg_catalog.||) ''::bytea";
  std::string n = std::to_string(slice_bytes);
  return "COPY (SELECT pg_catalog.substring(s.v, g * " + n + " + 1, " + n + ") FROM (SELECT " +
         bytes + " AS v" + by_ctid(table, ctid) +
         " OFFSET 0) s CROSS JOIN LATERAL pg_catalog.generate_series(0, "
         "(pg_catalog.octet_length(s.v) - 1) / " +
         n + ") g) TO STDOUT (FORMAT binary)";
}

}  // namespace pgshift::pg
