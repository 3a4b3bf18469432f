// RowSource over a PostgreSQL connection: COPY (SELECT chunk) TO STDOUT (FORMAT binary). The
// connection must outlive the source and already be inside the transaction (snapshot) to read at.
// Rows too large to hold whole (large_rows.hpp) are left out of the COPY and handed over after it,
// by next_large_row, their large values in slices of kLargeValueSliceBytes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/core/row_source.hpp"

namespace pgshift::pg {

class PgRowSource final : public RowSource {
 public:
  explicit PgRowSource(Connection& connection) : connection_(connection) {}
  Task<Status> begin(const Table& table, const Chunk& chunk) override;
  // Begins any COPY ... TO STDOUT (FORMAT binary) instead of a chunk's.
  Task<Status> begin_sql(const std::string& copy_to_stdout_sql);
  Task<Result<bool>> read(std::vector<std::byte>& out, std::size_t want) override;
  Task<Result<bool>> next_large_row(LargeRowSink& sink) override;

 private:
  // Runs a COPY TO STDOUT expected to give exactly one tuple; returns the stream's bytes and where
  // in them the tuple lies.
  Task<Result<std::vector<std::byte>>> copy_one_tuple(const std::string& sql);
  Task<Status> send_sliced_value(LargeRowSink& sink, std::size_t copied_index,
                                 const std::string& ctid, std::int64_t bytes);

  Connection& connection_;
  const Table* table_ = nullptr;
  std::vector<std::size_t> sliceable_;
  std::vector<std::string> large_rows_;  // ctids
  std::size_t next_large_ = 0;
  // TOAST size per table, measured at its first chunk: a round trip saved on every later chunk.
  // (A row this source can see was already there when the TOAST was measured, so the measure
  // does not miss it.)
  std::map<const Table*, std::int64_t> toast_bytes_;
};

}  // namespace pgshift::pg
