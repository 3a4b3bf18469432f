// RowSource over a SQLite connection: one chunk's rows encoded into a PostgreSQL binary COPY
// stream (header, one tuple per row with the copied columns in Table::copied_columns() order,
// trailer). The SELECT is stepped incrementally across read() calls, so memory stays at about one
// read of `want` bytes whatever the table size; with cluster_with(), a table without a key that
// has an index is sent in that index's order, batch by batch (clustered_batch.hpp), which adds
// one batch, granted by the run's shared ClusterMemory.
//
// Lifetimes: `db` (opened read-only, see sqlite_database.hpp) and `sources` must outlive the row
// source; sources[chunk.table_index] describes the chunk's table (schema_reader.hpp), and the Table
// passed to begin() must be that table's model. For one consistent state across several
// connections the caller holds them inside read transactions (BEGIN + a first read) it owns.
// Threading: one coroutine at a time; read() makes blocking SQLite calls, about `want` bytes of
// work per call, on the calling thread, or on the pool given to read_on() (which must be joined
// before the row source goes: the calls use its members and `db`).
// Errors (kRuntime) name table, key and column: "table t key id=42 column c: value 'x' is not an
// integer". With OnTypeError::kNull such values become NULL and are counted (substitutions()).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "connectors/sqlite/cluster_memory.hpp"
#include "connectors/sqlite/clustered_batch.hpp"
#include "connectors/sqlite/schema_reader.hpp"
#include "connectors/sqlite/sqlite_handles.hpp"
#include "connectors/sqlite/value_encoder.hpp"
#include "engine/core/row_source.hpp"

namespace pgshift::sqlite {

// The SELECT reading a chunk: the copied columns, then the columns that name a row in messages,
// restricted to the chunk's range (see SourceTable::Range). Bounds are bound as ?1 (lower) and ?2
// (upper); the first chunk of a nullable key also takes the rows whose key is NULL. Errors when
// the chunk's kind of bounds does not fit the table.
struct ChunkQuery {
  std::string sql;
  std::optional<std::int64_t> lower, upper;
  std::vector<std::size_t> copied;   // SourceTable column indexes, in stream order
  std::vector<std::string> locator;  // names of the trailing row-naming columns
};
Result<ChunkQuery> chunk_query(const Table& table, const SourceTable& source, const Chunk& chunk);

// What the readers of one migrate run hold at most, together, to put keyless tables' rows in
// index order: a whole-table chunk may take all of it, other chunks take a reader's share, and a
// reader that finds it spent still gets kMinClusterBatchBytes.
constexpr std::size_t kClusterMemoryBytes = 128 << 20;
constexpr std::size_t kMinClusterBatchBytes = 8 << 20;

class SqliteRowSource final : public RowSource {
 public:
  struct Substitution {
    std::string column;
    std::uint64_t count = 0;
    std::string first;  // the first replaced value's message, with its key
  };

  SqliteRowSource(sqlite3* db, std::span<const SourceTable> sources,
                  OnTypeError policy = OnTypeError::kFail)
      : db_(db), sources_(sources), policy_(policy) {}
  ~SqliteRowSource() override { free_batch(); }
  SqliteRowSource(const SqliteRowSource&) = delete;
  SqliteRowSource& operator=(const SqliteRowSource&) = delete;

  Task<Status> begin(const Table& table, const Chunk& chunk) override;
  Task<Result<bool>> read(std::vector<std::byte>& out, std::size_t want) override;

  // Runs read()'s SQLite work on `pool` (one thread: a connection is used by one thread at a
  // time), so that the event loop forwards other workers' streams meanwhile.
  void read_on(asio::thread_pool* pool) { pool_ = pool; }

  // From the next begin() on, a table without a key that has an index is sent in that index's
  // order, in batches (tuples and their index) of what `memory` grants: all it has for a
  // whole-table chunk, which is then one run in order when it fits; `share` for any other chunk.
  // Null turns it off. The row source shares the ownership of `memory`.
  void cluster_with(std::shared_ptr<ClusterMemory> memory, std::size_t share) {
    cluster_memory_ = std::move(memory);
    cluster_share_ = share;
  }

  // Rows streamed in the current chunk so far.
  std::uint64_t rows() const { return rows_; }
  // Values replaced by NULL in the current chunk (OnTypeError::kNull), per copied column.
  const std::vector<Substitution>& substitutions() const { return substitutions_; }

 private:
  Result<bool> fill(std::vector<std::byte>& out, std::size_t want);
  // fill() for a clustered table: rows go through the batch.
  Result<bool> fill_clustered(std::vector<std::byte>& out, std::size_t want);
  // Steps to the next row and appends its tuple to `out`; false once the chunk has no rows left.
  Result<bool> next_row(std::vector<std::byte>& out);
  Status encode_row(std::vector<std::byte>& out);
  Result<bool> finish(std::vector<std::byte>& out);
  // Whether the chunk goes through the batch; takes the grant it needs.
  bool set_up_batch(const Table& table, const Chunk& chunk);
  void free_batch();
  std::string describe_key() const;

  sqlite3* db_;
  std::span<const SourceTable> sources_;
  OnTypeError policy_;
  const SourceTable* source_ = nullptr;
  StatementHandle statement_;
  ChunkQuery query_;
  std::vector<Substitution> substitutions_;
  std::uint64_t rows_ = 0;
  bool header_sent_ = false;
  bool done_ = true;
  asio::thread_pool* pool_ = nullptr;
  std::vector<std::byte> block_;  // filled on the pool, then handed to read()'s caller
  std::shared_ptr<ClusterMemory> cluster_memory_;
  std::size_t cluster_share_ = 0;
  std::optional<ClusteredBatch> batch_;  // kept from chunk to chunk while its grant fits
  std::size_t batch_grant_ = 0;          // taken from cluster_memory_ for batch_
  bool clustered_ = false;               // the current chunk goes through batch_
};

}  // namespace pgshift::sqlite
