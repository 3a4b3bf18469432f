#include "connectors/pg/server_digest_sql.hpp"

#include <set>

#include "connectors/pg/chunk_sql.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::pg {
namespace {

// Built-in types whose hash function tells apart every two values that are not identical (up to
// what the canonical encoding itself folds: float -0 and NaN).
const std::set<std::uint32_t> kIdentityHashed = {
    16,    // bool
    17,    // bytea
    18,    // "char"
    19,    // name
    20,    // int8
    21,    // int2
    23,    // int4
    26,    // oid
    700,   // float4
    701,   // float8
    1082,  // date
    1083,  // time
    1114,  // timestamp
    1184,  // timestamptz
    2950,  // uuid
};
// Arrays of those: the hash covers the elements, array_dims adds the bounds it leaves out.
const std::set<std::uint32_t> kIdentityHashedArrays = {
    1000,  // bool[]
    1001,  // bytea[]
    1005,  // int2[]
    1007,  // int4[]
    1016,  // int8[]
    1021,  // float4[]
    1022,  // float8[]
    1115,  // timestamp[]
    1182,  // date[]
    1185,  // timestamptz[]
    2951,  // uuid[]
};
// Text types: hashed as bytes once the collation is "C" (a nondeterministic one folds case).
const std::set<std::uint32_t> kTextTypes = {25, 1042, 1043};  // text, bpchar, varchar
constexpr std::uint32_t kNumericOid = 1700;

std::string hashed_fields(const Table& table) {
  std::string out;
  auto add = [&](const std::string& field) { out += (out.empty() ? "" : ", ") + field; };
  for (const Column* column : table.copied_columns()) {
    std::string name = quote_identifier(column->name);
    if (kIdentityHashed.count(column->type_oid)) {
      add(name);
    } else if (kTextTypes.count(column->type_oid)) {
      add(name + " COLLATE \"C\"");
    } else if (column->type_oid == kNumericOid) {
      add(name);
      add("pg_catalog.scale(" + name + ")");
    } else if (kIdentityHashedArrays.count(column->type_oid)) {
      add(name);
      add("pg_catalog.array_dims(" + name + ")");
    } else {
      add(name + "::pg_catalog.text COLLATE \"C\"");
    }
  }
  return out;
}

}  // namespace

std::string row_hash_sql(const Table& table) {
  std::string fields = hashed_fields(table);
  if (fields.empty()) return "0::pg_catalog.int8";
  // hash_record_extended is linear in its fields' hashes (h = 31 h + field), so a sum of row
  // hashes would depend only on each column's multiset of values: two rows swapping a value
  // would go unseen. Hashing the row hash again (through its text, a full 64-bit mix) breaks
  // that; hashint8extended would fold it to 32 bits first.
  return "pg_catalog.hashtextextended(pg_catalog.hash_record_extended(ROW(" + fields +
         "), 0)::pg_catalog.text, 0)";
}

std::string server_digest_sql(const Table& table, const Chunk& chunk) {
  return "SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(" + row_hash_sql(table) +
         "), 0)::pg_catalog.text FROM ONLY " + qualified_name(table) + " WHERE " +
         chunk_predicate(table, chunk);
}

std::string server_digest_by_chunk_sql(const Table& table, const std::vector<const Chunk*>& chunks,
                                       const Chunk& pages) {
  // OFFSET 0 keeps the planner from estimating the groups from the key's statistics (one per
  // row): it would sort every row, spilling to disk, instead of hashing into a few groups.
  return "SELECT chunk, pg_catalog.count(*), pg_catalog.sum(hash)::pg_catalog.text FROM (SELECT (" +
         chunk_number_sql(table, chunks) + ")::pg_catalog.int4 AS chunk, " + row_hash_sql(table) +
         " AS hash FROM ONLY " + qualified_name(table) + " WHERE " + chunk_predicate(table, pages) +
         " OFFSET 0) AS hashed GROUP BY chunk";
}

}  // namespace pgshift::pg
