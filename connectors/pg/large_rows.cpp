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
      return SliceUnit::kCharacters;
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
    const Column& column = *columns[index];
    if (!list.empty()) list += ", ";
    list += "pg_catalog.octet_length(" + quote_identifier(column.name) + ")::bigint, ";
    list += slice_unit(column) == SliceUnit::kCharacters
                ? "pg_catalog.char_length(" + quote_identifier(column.name) + ")::bigint"
                : "NULL::bigint";
  }
  return "SELECT " + list + by_ctid(table, ctid);
}

std::string value_slice_sql(const Table& table, std::size_t copied_index, const std::string& ctid,
                            std::int64_t from, std::int64_t count) {
  const Column& column = *table.copied_columns()[copied_index];
  return "COPY (SELECT pg_catalog.substring(" + quote_identifier(column.name) + ", " +
         std::to_string(from) + ", " + std::to_string(count) + ")" + by_ctid(table, ctid) +
         ") TO STDOUT (FORMAT binary)";
}

std::vector<Slice> slice_plan(std::int64_t units, std::int64_t bytes, std::int64_t slice_bytes) {
  std::vector<Slice> out;
  if (units <= 0) return out;
  std::int64_t per_slice = slice_bytes;
  if (bytes > units) {
    // Characters of several bytes: as many characters as take slice_bytes on average.
    per_slice = static_cast<std::int64_t>(static_cast<long double>(slice_bytes) * units / bytes);
  }
  per_slice = std::max<std::int64_t>(1, per_slice);
  for (std::int64_t from = 1; from <= units; from += per_slice) {
    out.push_back({from, std::min(per_slice, units - from + 1)});
  }
  return out;
}

}  // namespace pgshift::pg
