#include "connectors/pg/pg_row_source.hpp"

#include "connectors/pg/chunk_sql.hpp"

namespace pgshift::pg {

Task<Status> PgRowSource::begin(const Table& table, const Chunk& chunk) {
  co_return co_await connection_.begin_copy_out(pg::copy_out_sql(table, chunk));
}

Task<Status> PgRowSource::begin_sql(const std::string& copy_to_stdout_sql) {
  co_return co_await connection_.begin_copy_out(copy_to_stdout_sql);
}

Task<Result<bool>> PgRowSource::read(std::vector<std::byte>& out, std::size_t want) {
  co_return co_await connection_.read_copy(out, want);
}

}  // namespace pgshift::pg
