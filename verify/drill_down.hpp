// Finding the exact rows behind a differing chunk, on two connections that each sit in their
// side's snapshot: split a key range into parts at real key values, read (key -> row hash) for a
// small range, name the columns that differ for a key, and tally keyless tables as multisets in
// hash-partitioned passes (so memory stays bounded by the pass, not the table).
#pragma once

#include <optional>
#include <unordered_set>

#include "connectors/pg/connection.hpp"
#include "engine/core/row_source.hpp"
#include "engine/model/table.hpp"
#include "verify/row_diff.hpp"
#include "verify/row_hasher.hpp"

namespace pgshift::verify {

struct KeyedRead {
  KeyedRows rows;                                        // display key -> first row's hash
  std::unordered_map<std::string, KeyValue> key_values;  // display key -> values
  // Keys read more than once, each named once: a side that does not enforce the key (a target
  // whose primary key was dropped) can hold several rows for one key, and a map keeps only one.
  std::vector<std::string> duplicates;

  void add(std::string display, KeyValue values, u128 hash);

 private:
  std::unordered_set<std::string> duplicated_;
};

// Keys and row hashes of the chunk's rows (the chunk should be small: see split_chunk).
Task<Result<KeyedRead>> read_keyed_rows(pg::Connection& connection, const Table& table,
                                        const Chunk& chunk, RowHasher& hasher);

// The same from any RowSource already begun on the chunk (a SQLite source): key values are decoded
// from their binary form (integers and text as PostgreSQL prints them, anything else as hex).
Task<Result<KeyedRead>> read_keyed_rows(RowSource& rows, const Table& table, RowHasher& hasher);

// Counts the chunk's rows.
Task<Result<long long>> count_rows(pg::Connection& connection, const Table& table,
                                   const Chunk& chunk);

// Up to `parts` sub-chunks covering exactly the chunk's range, split at real key values.
Task<Result<std::vector<Chunk>>> split_chunk(pg::Connection& connection, const Table& table,
                                             const Chunk& chunk, int parts);

// The copied columns whose values differ for one key (compared in text form).
Task<Result<std::vector<std::string>>> differing_columns(pg::Connection& source,
                                                         pg::Connection& target, const Table& table,
                                                         const KeyValue& key);

// The row as text, "(v1, v2, ...)" of the copied columns, or nothing if absent; several rows
// with the key (a side that does not enforce it) as "N rows: (...) (...)", never equal to one.
Task<Result<std::optional<std::string>>> row_text(pg::Connection& connection, const Table& table,
                                                  const KeyValue& key);

// Keyless tables: net row counts by hash over `passes` passes; returns differing rows as text.
struct KeylessDifference {
  std::string row;  // text of the row
  long long count = 0;
  bool missing = true;  // missing in the target (else extra there)
};
Task<Result<std::vector<KeylessDifference>>> diff_keyless(
    pg::Connection& source, pg::Connection& target, const Table& table, RowHasher& source_hasher,
    RowHasher& target_hasher, int passes, std::size_t limit);

}  // namespace pgshift::verify
