// RowSource over a PostgreSQL connection: COPY (SELECT chunk) TO STDOUT (FORMAT binary). The
// connection must outlive the source and already be inside the transaction (snapshot) to read at.
#pragma once

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

 private:
  Connection& connection_;
};

}  // namespace pgshift::pg
