#include "connectors/pg/server_digest_sql.hpp"

#include <map>
#include <set>
#include <string_view>

#include "connectors/pg/chunk_sql.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::pg {
namespace {

// How a column of a built-in type becomes a bigint on the server (NULL for NULL), where the hash
// tells apart every two values that are not identical (up to what the canonical encoding itself
// folds: float -0 and NaN): % stands for the column, $ for its seed. A type's own hash function
// follows its equality and may fold more than that, so only those that do not are used bare:
// - int8's hash folds its high half into the low one (-1 and 4294967295 hash alike): the high
//   half goes into the seed (above the position's 16 bits, so no two columns share a seed),
//   which costs no second call;
// - time, timestamp and timestamptz hash as int8 does: their 8 bytes go through the record hash
//   (kRecordHashed);
// - bpchar's hash leaves out trailing blanks, which an unconstrained bpchar keeps: its length goes
//   into the seed likewise;
// - numeric's hash leaves out the sign and scale, folds NaN and both infinities to the seed and
//   XORs the weight in unseeded (so two columns' weights can cancel): it goes through its text;
// - bool goes through its cast to int4.
const std::map<std::uint32_t, std::string> kIdentityHash = {
    {16, "pg_catalog.hashint4extended(%::pg_catalog.int4, $)"},     // bool
    {18, "pg_catalog.hashcharextended(%, $)"},                      // "char"
    {19, "pg_catalog.hashnameextended(%, $)"},                      // name
    {20, "pg_catalog.hashint8extended(%, ((% >> 32) << 16) # $)"},  // int8
    {21, "pg_catalog.hashint2extended(%, $)"},                      // int2
    {23, "pg_catalog.hashint4extended(%, $)"},                      // int4
    {25, "pg_catalog.hashtextextended(% COLLATE \"C\", $)"},        // text
    {26, "pg_catalog.hashoidextended(%, $)"},                       // oid
    {700, "pg_catalog.hashfloat4extended(%, $)"},                   // float4
    {701, "pg_catalog.hashfloat8extended(%, $)"},                   // float8
    {1042,                                                          // bpchar
     "pg_catalog.hashbpcharextended(% COLLATE \"C\", "
     "(pg_catalog.octet_length(%)::pg_catalog.int8 << 16) # $)"},
    {1043, "pg_catalog.hashtextextended(% COLLATE \"C\", $)"},  // varchar
    {2950, "pg_catalog.uuid_hash_extended(%, $)"},              // uuid
};
// Types hashed by the record hash, all of a table's in one ROW() (one record built per row, not
// one per column; the record hash weighs each field by its place, so two of them swapping values
// differ): bytea and date, whose hash functions cannot be called from SQL (date's cast to
// timestamp fails past the year 294276), and the 8-byte times as their bytes (a bytea's hash
// covers every byte).
const std::map<std::uint32_t, std::string> kRecordHashed = {
    {17, "%"},                                 // bytea
    {1082, "%"},                               // date
    {1083, "pg_catalog.time_send(%)"},         // time
    {1114, "pg_catalog.timestamp_send(%)"},    // timestamp
    {1184, "pg_catalog.timestamptz_send(%)"},  // timestamptz
};
// Arrays of types hashed alike (4 bytes or less, or every byte): the hash covers the elements,
// array_dims adds the bounds it leaves out ('' for an empty array, whose dims are NULL). Arrays of
// 8-byte integers and times, whose element hashes fold, go through their text.
const std::set<std::uint32_t> kIdentityHashedArrays = {
    1000,  // bool[]
    1001,  // bytea[]
    1005,  // int2[]
    1007,  // int4[]
    1021,  // float4[]
    1022,  // float8[]
    1182,  // date[]
    2951,  // uuid[]
};
constexpr const char* kArrayHash =
    "pg_catalog.hash_array_extended(%, $) # "
    "pg_catalog.hashtextextended(COALESCE(pg_catalog.array_dims(%), ''), $)";
// Every other type: its text form, in COLLATE "C" (exact: the session's DateStyle, TimeZone,
// IntervalStyle and extra_float_digits are fixed, session.hpp).
constexpr const char* kTextHash =
    "pg_catalog.hashtextextended(%::pg_catalog.text COLLATE \"C\", $)";

// `pattern` with % replaced by `column` and $ by `seed`.
std::string expand(std::string_view pattern, const std::string& column, const std::string& seed) {
  std::string out;
  for (char c : pattern) {
    if (c == '%') {
      out += column;
    } else if (c == '$') {
      out += seed;
    } else {
      out += c;
    }
  }
  return out;
}

// The XOR of the columns' hashes, each seeded with its position (so that two columns swapping
// values differ), a NULL standing as the negated seed: never what a hash returns for a value
// (float's returns the seed itself for 0, an empty array's 1).
std::string combined_column_hashes(const Table& table) {
  std::string out, record_fields;
  int position = 0;
  for (const Column* column : table.copied_columns()) {
    std::string seed = std::to_string(++position);
    std::string_view pattern = kTextHash;
    // A domain by its base type: its text cast is the base type's (bpchar's drops trailing blanks).
    std::uint32_t type = column->base_type_oid ? column->base_type_oid : column->type_oid;
    if (auto it = kRecordHashed.find(type); it != kRecordHashed.end()) {
      if (!record_fields.empty()) record_fields += ", ";
      record_fields += expand(it->second, quote_identifier(column->name), seed);
      continue;
    }
    if (auto it = kIdentityHash.find(type); it != kIdentityHash.end()) {
      pattern = it->second;
    } else if (kIdentityHashedArrays.count(type)) {
      pattern = kArrayHash;
    }
    if (!out.empty()) out += " # ";
    out += "COALESCE(" + expand(pattern, quote_identifier(column->name), seed) + ", -" + seed + ")";
  }
  // Seed 0, which no column has; a NULL field hashes as 0 there.
  if (!record_fields.empty()) {
    out += std::string(out.empty() ? "" : " # ") + "pg_catalog.hash_record_extended(ROW(" +
           record_fields + "), 0)";
  }
  return out;
}

}  // namespace

std::string row_hash_sql(const Table& table) {
  std::string columns = combined_column_hashes(table);
  if (columns.empty()) return "0::pg_catalog.int8";
  // The XOR is linear in the columns' hashes, so a sum of such row hashes would depend only on
  // each column's multiset of values: two rows swapping a value would go unseen. Hashing it again
  // (through its text, a full 64-bit mix) breaks that; hashint8extended would fold it to 32 bits.
  return "pg_catalog.hashtextextended((" + columns + ")::pg_catalog.text, 0)";
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
