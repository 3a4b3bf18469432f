#include "engine/migrate/table_readback.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/large_rows.hpp"
#include "connectors/pg/pg_row_source.hpp"
#include "engine/migrate/chunk_verifier.hpp"
#include "engine/migrate/target_lanes.hpp"
#include "engine/model/pg_quote.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

// Page ranges of at least this many pages are read back on a connection of their own.
constexpr std::int64_t kMinPagesPerLane = 256;

// Calls `read_range` for page ranges that together cover the target table, over up to `jobs`
// connections at once: one connection would read the table alone at the end of its copy, with
// nothing to overlap it.
using PageRangeReader = std::function<Task<Status>(pg::Connection&, const Chunk& pages)>;
Task<Status> read_in_page_ranges(RunContext& context, pg::Connection& target, std::size_t table,
                                 const PageRangeReader& read_range) {
  auto size = co_await relation_pages(target, context.tables[table]);
  if (!size) co_return fail(size.error());
  std::int64_t pages = *size;
  int parts = static_cast<int>(
      std::clamp<std::int64_t>(pages / kMinPagesPerLane, 1, std::max(1, context.options.jobs)));
  int next_part = 0;
  auto read_part = [&](pg::Connection& connection) -> Task<Result<bool>> {
    if (next_part >= parts) co_return false;
    Chunk range = page_range(table, pages, next_part++, parts);
    if (auto read = co_await read_range(connection, range); !read) co_return fail(read.error());
    co_return true;
  };
  if (parts == 1) {
    auto only = co_await read_part(target);
    if (!only) co_return fail(only.error());
    co_return Status{};
  }
  co_return co_await run_target_lanes(context, parts, read_part);
}

Task<Result<verify::ChunkDigest>> digest_whole_table(RunContext& context, pg::Connection& target,
                                                     std::size_t table) {
  verify::ChunkDigest total;
  auto read = co_await read_in_page_ranges(
      context, target, table, [&](pg::Connection& connection, const Chunk& pages) -> Task<Status> {
        pg::PgRowSource readback(connection);
        if (auto begun = co_await readback.begin(context.tables[table], pages); !begun) {
          co_return begun;
        }
        verify::RowHasher hasher(context.specs[table].copied_kinds, &context.target_shapes);
        auto digest = co_await verify::digest_stream(readback, hasher);
        if (!digest) co_return fail(digest.error());
        total.merge(*digest);
        co_return Status{};
      });
  if (!read) co_return fail(read.error());
  co_return total;
}

}  // namespace

Task<Result<bool>> holds_large_rows(pg::Connection& connection, const Table& table) {
  auto sliceable = pg::sliceable_columns(table);
  if (sliceable.empty()) co_return false;
  auto toast = co_await connection.query(pg::toast_bytes_sql(table));
  if (!toast) co_return fail(toast.error());
  if (toast->rows() != 1 || toast->integer(0, 0) < pg::kLargeRowBytes / pg::kMaxCompressionRatio) {
    co_return false;
  }
  auto large = co_await connection.query(
      pg::large_rows_sql(table, Chunk{}, pg::large_row_predicate(table, sliceable)));
  if (!large) co_return fail(large.error());
  co_return large->rows() > 0;
}

Task<Result<std::int64_t>> relation_pages(pg::Connection& connection, const Table& table) {
  auto size = co_await connection.query(
      "SELECT pg_catalog.pg_relation_size(" + pg::quote_literal(pg::qualified_name(table)) +
      "::pg_catalog.regclass) / pg_catalog.current_setting('block_size')::bigint");
  if (!size) co_return fail(size.error());
  co_return size->integer(0, 0);
}

Chunk page_range(std::size_t table, std::int64_t pages, int part, int parts) {
  Chunk range;
  range.table_index = table;
  if (part > 0) range.first_page = pages * part / parts;
  if (part + 1 < parts) range.end_page = pages * (part + 1) / parts;
  return range;
}

Task<Status> verify_whole_table(RunContext& context, pg::Connection& target, std::size_t table) {
  const Table& info = context.tables[table];
  auto timed = context.phase_times.time(Phase::kReadback);
  auto stored = co_await target.query("SELECT rows, digest FROM pgshift.chunks WHERE table_id = " +
                                      std::to_string(table));
  if (!stored) co_return fail(stored.error());
  verify::ChunkDigest expected;
  for (int row = 0; row < stored->rows(); ++row) {
    verify::ChunkDigest part;
    part.rows = static_cast<std::uint64_t>(stored->integer(row, 0));
    part.sum = verify::ChunkDigest::parse_sum_hex(stored->text(row, 1)).value_or(0);
    expected.merge(part);
  }
  verify::ChunkDigest actual;
  if (context.options.verify == VerifyMode::kCount) {
    auto counted = co_await target.query("SELECT count(*) FROM ONLY " + pg::qualified_name(info));
    if (!counted) co_return fail(counted.error());
    actual.rows = static_cast<std::uint64_t>(counted->integer(0, 0));
    actual.sum = expected.sum;
  } else {
    auto digest = co_await digest_whole_table(context, target, table);
    if (!digest) co_return fail(digest.error());
    actual = *digest;
  }
  bool equal = actual == expected;
  auto marked = co_await target.query("UPDATE pgshift.chunks SET verified = " +
                                      pg::quote_literal(verify_mode_name(context.options.verify)) +
                                      (equal ? "" : ", state = 'mismatch'") +
                                      " WHERE table_id = " + std::to_string(table));
  if (!marked) co_return fail(marked.error());
  if (equal) {
    for (int i = 0; i < stored->rows(); ++i) context.progress->chunk_verified(table);
  } else {
    Mismatch mismatch;
    mismatch.table_index = table;
    mismatch.key_range = "whole table (no key)";
    mismatch.kind = "changed";
    mismatch.detail = "source " + std::to_string(expected.rows) + " rows, target " +
                      std::to_string(actual.rows) + " rows (digests differ)";
    spdlog::error("verification failed: table {}: {}", context.table_name(table), mismatch.detail);
    context.mismatches.push_back(std::move(mismatch));
  }
  co_return Status{};
}

Task<Result<bool>> verify_chunks_in_one_pass(RunContext& context, pg::Connection& target,
                                             std::size_t table) {
  const Table& info = context.tables[table];
  std::vector<const Chunk*> chunks;
  for (auto it = context.chunks.lower_bound({table, 0});
       it != context.chunks.end() && it->first.first == table; ++it) {
    chunks.push_back(&it->second);
  }
  if (!pg::chunks_cover_keys(info, chunks)) co_return false;
  // A table that holds rows too large to read whole is read back chunk by chunk, where such rows
  // come in slices.
  auto large = co_await holds_large_rows(target, info);
  if (!large) co_return fail(large.error());
  if (*large) co_return false;
  auto stored = co_await target.query(
      "SELECT chunk_no, rows, digest FROM pgshift.chunks WHERE state = 'done' AND verified IS "
      "NULL AND table_id = " +
      std::to_string(table));
  if (!stored) co_return fail(stored.error());
  if (stored->rows() == 0) co_return true;
  auto timed = context.phase_times.time(Phase::kReadback);
  std::map<int, verify::ChunkDigest> digests;
  auto read = co_await read_in_page_ranges(
      context, target, table, [&](pg::Connection& connection, const Chunk& pages) -> Task<Status> {
        pg::PgRowSource readback(connection);
        auto begun = co_await readback.begin_sql(pg::copy_out_by_chunk_sql(info, chunks, pages));
        if (!begun) co_return begun;
        verify::RowHasher hasher(context.specs[table].copied_kinds, &context.target_shapes);
        co_return co_await verify::digest_stream_by_chunk(readback, hasher, digests);
      });
  if (!read) co_return fail(read.error());
  for (int row = 0; row < stored->rows(); ++row) {
    int number = static_cast<int>(stored->integer(row, 0));
    verify::ChunkDigest source_digest;
    source_digest.rows = static_cast<std::uint64_t>(stored->integer(row, 1));
    source_digest.sum = verify::ChunkDigest::parse_sum_hex(stored->text(row, 2)).value_or(0);
    auto recorded = co_await record_chunk_verification(
        context, target, context.chunks.at({table, number}), source_digest, digests[number]);
    if (!recorded) co_return fail(recorded.error());
  }
  co_return true;
}

}  // namespace pgshift
