#include "engine/compare/server_digest.hpp"

#include "connectors/pg/server_digest_sql.hpp"
#include "engine/compare/both_sides.hpp"
#include "engine/core/fault.hpp"

namespace pgshift {
namespace {

// --jobs is verify's parallelism on each server: a digest query spawns no parallel workers of its
// own (reading rows out with COPY never did). SET LOCAL lasts until the snapshot's transaction
// ends, so repeating it costs nothing.
constexpr const char* kSerialQuery = "SET LOCAL max_parallel_workers_per_gather = 0; ";

Result<verify::ChunkDigest> digest_of(const pg::PgResult& result, int row, int count_column) {
  auto sum = verify::ChunkDigest::parse_sum_decimal(result.text(row, count_column + 1));
  if (!sum) {
    return fail(ErrorKind::kRuntime,
                "server digest: not an integer sum: " + result.text(row, count_column + 1));
  }
  verify::ChunkDigest digest;
  digest.rows = static_cast<std::uint64_t>(result.integer(row, count_column));
  digest.sum = *sum;
  return digest;
}

Task<Status> server_digest(pg::Connection& connection, const Table& table, const Chunk& chunk,
                           verify::ChunkDigest& out) {
  auto result = co_await connection.query(kSerialQuery + pg::server_digest_sql(table, chunk));
  if (!result) co_return fail(result.error());
  auto digest = digest_of(*result, 0, 0);
  if (!digest) co_return fail(digest.error());
  out = *digest;
  co_return Status{};
}

}  // namespace

bool hashes_on_servers(const VerifyContext& context, int source_version, int target_version) {
  return context.options.row_hash == RowHash::kServer && !context.sqlite_source &&
         source_version >= pg::kServerDigestMinVersion &&
         target_version >= pg::kServerDigestMinVersion;
}

Task<Result<std::pair<verify::ChunkDigest, verify::ChunkDigest>>> server_digest_both(
    VerifyContext& context, pg::Connection& source, pg::Connection& target, const Chunk& chunk) {
  const Table& table = context.tables[chunk.table_index];
  auto read_target = [&](verify::ChunkDigest& out) -> Task<Status> {
    fault_point("throw-in-verify-read");
    co_return co_await server_digest(target, table, chunk, out);
  };
  verify::ChunkDigest source_digest, target_digest;
  auto read =
      co_await on_both_sides(context.executor, server_digest(source, table, chunk, source_digest),
                             read_target(target_digest));
  if (!read) co_return fail(read.error());
  co_return std::pair{source_digest, target_digest};
}

Task<Result<std::pair<verify::ChunkDigest, verify::ChunkDigest>>> deciding_digests(
    Drill& drill, const Chunk& chunk) {
  if (drill.context.server_hashing) {
    auto digests = co_await server_digest_both(drill.context, *drill.source, drill.target, chunk);
    if (!digests || digests->first == digests->second) co_return digests;
  }
  co_return co_await digest_both(drill.context, drill.source_rows, drill.target, chunk);
}

Task<Status> server_digest_range(pg::Connection& connection, const Table& table,
                                 const std::vector<const Chunk*>& chunks, const Chunk& pages,
                                 std::map<int, verify::ChunkDigest>& digests) {
  auto result = co_await connection.query(kSerialQuery +
                                          pg::server_digest_by_chunk_sql(table, chunks, pages));
  if (!result) co_return fail(result.error());
  for (int row = 0; row < result->rows(); ++row) {
    auto digest = digest_of(*result, row, 1);
    if (!digest) co_return fail(digest.error());
    digests[static_cast<int>(result->integer(row, 0))].merge(*digest);
  }
  co_return Status{};
}

}  // namespace pgshift
