#include "engine/migrate/chunk_verifier.hpp"

#include <spdlog/spdlog.h>

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/pg_row_source.hpp"
#include "engine/state/run_state.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {

Task<Status> verify_chunk(RunContext& context, pg::Connection& target, const Chunk& chunk,
                          const verify::ChunkDigest& source_digest) {
  const Table& table = context.tables[chunk.table_index];
  auto timed = context.phase_times.time(Phase::kReadback);
  verify::ChunkDigest target_digest;
  if (context.options.verify == VerifyMode::kCount) {
    auto counted = co_await target.query("SELECT count(*) FROM ONLY " + pg::qualified_name(table) +
                                         " WHERE " + pg::chunk_predicate(table, chunk));
    if (!counted) co_return fail(counted.error());
    target_digest.rows = static_cast<std::uint64_t>(counted->integer(0, 0));
    target_digest.sum = source_digest.sum;  // count mode compares counts only
  } else {
    pg::PgRowSource readback(target);
    if (auto begun = co_await readback.begin(table, chunk); !begun) co_return begun;
    verify::RowHasher hasher(context.specs[chunk.table_index].copied_kinds, &context.target_shapes);
    auto digest = co_await verify::digest_stream(readback, hasher);
    if (!digest) co_return fail(digest.error());
    target_digest = *digest;
  }
  co_return co_await record_chunk_verification(context, target, chunk, source_digest,
                                               target_digest);
}

Task<Status> record_chunk_verification(RunContext& context, pg::Connection& target,
                                       const Chunk& chunk, const verify::ChunkDigest& source_digest,
                                       const verify::ChunkDigest& target_digest) {
  bool equal = target_digest == source_digest;
  auto marked = co_await target.query(state::mark_chunk_verified_sql(
      chunk.table_index, chunk.number, verify_mode_name(context.options.verify), target_digest,
      equal));
  if (!marked) co_return fail(marked.error());
  if (equal) {
    context.progress->chunk_verified(chunk.table_index);
  } else {
    Mismatch mismatch;
    mismatch.table_index = chunk.table_index;
    mismatch.chunk = chunk.number;
    mismatch.key_range = describe_key_range(chunk);
    mismatch.kind = "changed";
    mismatch.detail = "source " + std::to_string(source_digest.rows) + " rows digest " +
                      source_digest.sum_hex() + ", target " + std::to_string(target_digest.rows) +
                      " rows digest " + target_digest.sum_hex();
    spdlog::error("verification failed: {}: {}", describe_chunk(context, chunk), mismatch.detail);
    context.mismatches.push_back(std::move(mismatch));
  }
  co_return Status{};
}

Task<Result<bool>> verify_leftover_chunk(RunContext& context, pg::Connection& target,
                                         std::optional<std::size_t> table) {
  auto begun = co_await target.query("BEGIN");
  if (!begun) co_return fail(begun.error());
  auto claimed = co_await state::claim_unverified_chunk(target, table);
  if (!claimed) co_return fail(claimed.error());
  if (!*claimed) {
    co_await target.query("ROLLBACK");
    co_return false;
  }
  const Chunk& chunk = context.chunks.at({(*claimed)->table_index, (*claimed)->number});
  if (auto verified = co_await verify_chunk(context, target, chunk, (*claimed)->source_digest);
      !verified) {
    co_return fail(verified.error());
  }
  auto committed = co_await target.query("COMMIT");
  if (!committed) co_return fail(committed.error());
  co_return true;
}

}  // namespace pgshift
