// SQL text that has a PostgreSQL server digest its own rows (verify's server-side hashing): each
// row becomes one bigint, the XOR of its copied columns' hashes hashed once more, and a chunk's
// digest is (count, sum of those). Only per-chunk sums cross the network. Both sides run the
// same text, built from one table model, so both hash alike. Pure.
//
// The types' own hash functions follow equality, which for some types is looser than identity
// (numeric 1.0 = 1.00, '{1,2}' = '[0:1]={1,2}', jsonb's numbers, interval '1 day' = '24 hours',
// nondeterministic collations). A column is hashed by its type's hash function only where
// equality is identity, or identity once a cheap companion is added (numeric with its scale,
// arrays of such types with their bounds, text in COLLATE "C"); every other column through its
// text form in COLLATE "C". float4/float8 use their own: their hashes fold -0 into 0 and every
// NaN into one, as the canonical encoding does. Calling each column's hash function directly
// costs about a third less than hash_record_extended(ROW(...)), which builds a tuple per row.
// Needs PostgreSQL 14 (hash_record_extended, for bytea and timestamptz).
#pragma once

#include <string>
#include <vector>

#include "engine/model/table.hpp"

namespace pgshift::pg {

inline constexpr int kServerDigestMinVersion = 140000;

// The bigint hash of one row of `table` (its copied columns).
std::string row_hash_sql(const Table& table);
// SELECT count, sum text FROM ONLY table WHERE the chunk's rows: one row of (int8, text).
std::string server_digest_sql(const Table& table, const Chunk& chunk);
// For a table whose `chunks` cover its keys (chunks_cover_keys): one row of (chunk number int4,
// count int8, sum text) per chunk with rows in the ctid page range `pages`.
std::string server_digest_by_chunk_sql(const Table& table, const std::vector<const Chunk*>& chunks,
                                       const Chunk& pages);

}  // namespace pgshift::pg
