// CopySink over a PostgreSQL connection: COPY table (copied columns) FROM STDIN (FORMAT binary).
// The connection must outlive the sink and already be inside the transaction the chunk commits in.
#pragma once

#include "connectors/pg/connection.hpp"
#include "engine/core/copy_sink.hpp"

namespace pgshift::pg {

class PgCopySink final : public CopySink {
 public:
  explicit PgCopySink(Connection& connection) : connection_(connection) {}
  Task<Status> begin(const Table& table, bool replace_contents) override;
  Task<Status> write(std::span<const std::byte> bytes) override;
  Task<Result<long long>> finish() override;
  Task<Status> abort(std::string_view reason) override;

 private:
  Connection& connection_;
};

}  // namespace pgshift::pg
