#include "connectors/pg/pg_copy_sink.hpp"

#include "connectors/pg/chunk_sql.hpp"

namespace pgshift::pg {

Task<Status> PgCopySink::begin(const Table& table, bool replace_contents) {
  if (replace_contents) {
    // Emptied in the COPY's own transaction, the table takes rows page after page in stream order
    // (COPY then skips the free-space map, which would put a short row on an earlier page with
    // room): a clustered table's heap stays one sorted run. TRUNCATE ONLY holds ACCESS EXCLUSIVE
    // until the caller's commit.
    auto emptied = co_await connection_.query("TRUNCATE ONLY " + qualified_name(table));
    if (!emptied) co_return fail(emptied.error());
    // Rows loaded frozen (and their pages all-visible) into the table emptied in this transaction
    // need no hint bits set, page by page, by the read-back, the index builds and ANALYZE that
    // read them next.
    co_return co_await connection_.begin_copy_in(copy_in_sql(table, CopyLoad::kFrozen));
  }
  co_return co_await connection_.begin_copy_in(copy_in_sql(table));
}

Task<Status> PgCopySink::write(std::span<const std::byte> bytes) {
  co_return co_await connection_.write_copy(bytes);
}

Task<Result<long long>> PgCopySink::finish() {
  co_return co_await connection_.end_copy_in();
}

Task<Status> PgCopySink::abort(std::string_view reason) {
  co_return co_await connection_.abort_copy_in(reason);
}

}  // namespace pgshift::pg
