// Rows of a table without a key reach the target in the order of the table's first index, batch
// by batch, as if CLUSTERed: PostgreSQL then builds that index from sorted runs, and scans of that
// index read the heap in order. Its sort only skips the work when the whole heap is one run (it
// checks for input already in order), which is why a table whose batch fits the budget is copied
// as one chunk (sqlite_source.cpp): on an app-like events table (kind text, at bigint) the index
// built in 0.56 s from one run, 1.82 s from two chunks' runs copied side by side, 2.11 s in rowid
// order. The order is only a choice of where rows go: a keyless table's rows have no other order,
// and its digest is a sum, so nothing else changes. Text sorts by its bytes, which is
// PostgreSQL's order under the C and C.UTF-8 collations; under others the sort only helps less.
//
// A batch holds encoded binary COPY tuples (as SqliteRowSource writes them) up to a byte cap (a
// grant from the run's ClusterMemory), so its memory is bounded whatever the table (a tuple of
// 4 GB or more is refused: PostgreSQL cannot store one anyway). Pure logic, no I/O; one thread at
// a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "connectors/sqlite/schema_reader.hpp"
#include "engine/core/result.hpp"

namespace pgshift::sqlite {

// How one key column's binary form orders.
enum class FieldOrder : std::uint8_t {
  kSignedBigEndian,  // int2/int4/int8, date, timestamp[tz]: two's complement, big-endian
  kText,             // text, varchar: unsigned bytes, shorter first on a tie; never a NUL byte
  kBytes,            // bytea, uuid, boolean: the same, but any byte may occur
};

struct ClusterField {
  std::size_t position = 0;  // the field's place in the streamed tuple
  FieldOrder order = FieldOrder::kBytes;
};

// The leading columns of the first index of `source` that is not partial, as far as they are
// plain columns that are copied and whose types have a binary order; `copied` maps stream
// positions to source columns. Nothing when there is no such index or its first column is not one.
std::optional<std::vector<ClusterField>> cluster_key(const SourceTable& source,
                                                     std::span<const std::size_t> copied);
// The index cluster_key() looks at (the first that is not partial), or null.
const CatalogIndex* first_plain_index(const SourceTable& source);

class ClusteredBatch {
 public:
  // Reserves (address space only) what the cap can hold, so that filling the batch never copies
  // it into a larger buffer with the old one still resident.
  ClusteredBatch(std::vector<ClusterField> key, std::size_t byte_cap);

  // Empties the batch for another chunk under the same cap, keeping its memory: a fresh 64 MB
  // a chunk would be paid again in page faults.
  void restart(std::vector<ClusterField> key, std::size_t byte_cap);

  // `read` appends at most one tuple (as SqliteRowSource writes them) to the end of the buffer it
  // is given and says whether it did (false: no rows left); that answer, or its error, is passed
  // through. A tuple too large for the batch is cut back and refused.
  template <typename Read>
  Result<bool> add(Read&& read) {
    std::size_t start = rows_.size();
    Result<bool> added = read(rows_);
    if (!added || !*added) return added;
    if (rows_.size() - start > kMaxTuple) {
      rows_.resize(start);
      return fail(ErrorKind::kRuntime, "a row of 4 GB or more");
    }
    index(start);
    return true;
  }

  // About the bytes (tuples and their index) a batch needs for `rows` rows of `fields` columns
  // whose values take `value_bytes`.
  static double bytes_for(double rows, std::int64_t value_bytes, std::size_t fields) {
    return static_cast<double>(value_bytes) +
           rows * static_cast<double>(sizeof(Entry) + kMinTuple + 4 * fields);
  }

  // Whether the batch (tuples and their index) has reached its cap.
  bool full() const;
  bool empty() const { return entries_.size() == next_; }

  // Puts the batch in key order; then drain() hands the rows out.
  void sort();
  // Appends rows in order until `out` has grown by `want` bytes or the batch is empty; an empty
  // batch is cleared for the next rows.
  void drain(std::vector<std::byte>& out, std::size_t want);

 private:
  static constexpr std::size_t kMaxTuple = 0xFFFFFFFFu;
  static constexpr std::size_t kMinTuple = 2;  // a tuple of no columns: its field count
  // The first two key fields as order-preserving 64-bit prefixes, so that most comparisons read
  // no tuple: per field, bit 0 of `nulls` says NULL (sorting last) and bit 0 of `exact` that the
  // prefix is the whole value.
  struct Entry {
    std::uint64_t prefix[2] = {0, 0};
    std::uint32_t offset = 0, size = 0;
    std::uint8_t nulls = 0, exact = 0;
  };
  void index(std::size_t start);
  bool before(const Entry& a, const Entry& b) const;
  void set_prefix(Entry& entry, int slot, const std::byte* tuple) const;

  std::vector<ClusterField> key_;
  std::size_t byte_cap_;
  std::vector<std::byte> rows_;
  std::vector<Entry> entries_;
  std::size_t next_ = 0;  // the first entry not drained
};

}  // namespace pgshift::sqlite
