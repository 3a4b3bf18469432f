#include "engine/migrate/table_readback.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/large_rows.hpp"
#include "connectors/pg/pg_row_source.hpp"
#include "engine/core/sleep_for.hpp"
#include "engine/migrate/chunk_verifier.hpp"
#include "engine/migrate/target_lanes.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/state/readback_parts.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

// Page ranges of at least this many pages are read back on a connection of their own.
constexpr std::int64_t kMinPagesPerPart = 256;
// A table is cut into more parts than one process has lanes, so that the other processes of a
// shared run find some to take; a part costs a few round trips more than reading in one go.
constexpr int kMinSharedParts = 4;

std::vector<const Chunk*> chunks_of(const RunContext& context, std::size_t table) {
  std::vector<const Chunk*> chunks;
  for (auto it = context.chunks.lower_bound({table, 0});
       it != context.chunks.end() && it->first.first == table; ++it) {
    chunks.push_back(&it->second);
  }
  return chunks;
}

// Reads the page range `pages` of a finished table back from the target and adds its digests to
// `sums`: by chunk for a keyed table (each row tagged with its chunk's number), as chunk 0 for a
// keyless one.
Task<Status> read_pages(RunContext& context, pg::Connection& connection, const Chunk& pages,
                        std::map<int, verify::ChunkDigest>& sums) {
  std::size_t table = pages.table_index;
  const Table& info = context.tables[table];
  pg::PgRowSource readback(connection);
  verify::RowHasher hasher(context.specs[table].copied_kinds, &context.target_shapes);
  if (info.keyless()) {
    if (auto begun = co_await readback.begin(info, pages); !begun) co_return begun;
    auto digest = co_await verify::digest_stream(readback, hasher);
    if (!digest) co_return fail(digest.error());
    sums[0].merge(*digest);
    co_return Status{};
  }
  auto chunks = chunks_of(context, table);
  if (auto by_key = verify::IntegerKeyChunks::of(info, chunks)) {
    auto begun = co_await readback.begin_sql(pg::copy_out_sql(info, pages));
    if (!begun) co_return begun;
    co_return co_await verify::digest_stream_by_key(readback, hasher, *by_key, sums);
  }
  auto begun = co_await readback.begin_sql(pg::copy_out_by_chunk_sql(info, chunks, pages));
  if (!begun) co_return begun;
  co_return co_await verify::digest_stream_by_chunk(readback, hasher, sums);
}

// Claims one unread part (of `table`, or of any table), reads it and records its sums, in one
// transaction. False when there is none to take.
Task<Result<bool>> read_one_part(RunContext& context, pg::Connection& connection,
                                 std::optional<std::size_t> table, bool timed) {
  auto part = co_await state::claim_part(connection, table);
  if (!part) co_return fail(part.error());
  if (!*part) co_return false;
  std::optional<PhaseTimes::Span> span;
  if (timed) span.emplace(context.phase_times, Phase::kReadback);
  std::map<int, verify::ChunkDigest> sums;
  if (auto read = co_await read_pages(context, connection, (*part)->pages, sums); !read) {
    co_return fail(std::move(read.error())
                       .within("reading back " + context.table_name((*part)->table) + " " +
                               describe_key_range((*part)->pages)));
  }
  auto recorded = co_await connection.query(state::record_part_sql(**part, sums) + "; COMMIT");
  if (!recorded) co_return fail(recorded.error());
  co_return true;
}

// The finished table's digests per chunk (chunk 0 for a keyless table), from one pass over its
// pages. A large table's pages are published as parts in the run state, read over up to `jobs`
// connections, and taken by other processes of the run too (help_read_back); it waits for parts
// other processes are reading.
Task<Result<std::map<int, verify::ChunkDigest>>> read_back_table(RunContext& context,
                                                                 pg::Connection& target,
                                                                 std::size_t table) {
  auto size = co_await relation_pages(target, context.tables[table]);
  if (!size) co_return fail(size.error());
  std::int64_t pages = *size;
  int jobs = std::max(1, context.options.jobs);
  int parts = static_cast<int>(
      std::clamp<std::int64_t>(pages / kMinPagesPerPart, 1, std::max(kMinSharedParts, 2 * jobs)));
  std::map<int, verify::ChunkDigest> sums;
  if (parts == 1) {
    if (auto read = co_await read_pages(context, target, page_range(table, pages, 0, 1), sums);
        !read) {
      co_return fail(read.error());
    }
    co_return sums;
  }
  std::vector<Chunk> ranges;
  for (int part = 0; part < parts; ++part) ranges.push_back(page_range(table, pages, part, parts));
  if (auto published = co_await target.query(state::publish_parts_sql(table, ranges)); !published) {
    co_return fail(published.error());
  }
  for (;;) {
    auto read = co_await run_target_lanes(
        context, std::min(parts, jobs), [&](pg::Connection& connection) -> Task<Result<bool>> {
          co_return co_await read_one_part(context, connection, table, false);
        });
    if (!read) co_return fail(read.error());
    if (context.stopping) co_return fail(ErrorKind::kInterrupted, "interrupted");
    auto unread = co_await state::count_unread_parts(target, table);
    if (!unread) co_return fail(unread.error());
    if (*unread == 0) break;
    co_await sleep_for(std::chrono::milliseconds(100));  // parts another process is reading
  }
  co_return co_await state::load_part_sums(target, table);
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
  std::vector<const Table*> tables = {&table};
  auto pages = co_await relations_pages(connection, tables);
  if (!pages) co_return fail(pages.error());
  co_return pages->front();
}

Task<Result<std::vector<std::int64_t>>> relations_pages(pg::Connection& connection,
                                                        const std::vector<const Table*>& tables) {
  std::string names;
  for (const Table* table : tables) {
    names += (names.empty() ? "" : ", ") + pg::quote_literal(pg::qualified_name(*table));
  }
  auto sizes = co_await connection.query(
      "SELECT pg_catalog.pg_relation_size(name::pg_catalog.regclass) / "
      "pg_catalog.current_setting('block_size')::bigint FROM pg_catalog.unnest(ARRAY[" +
      names + "]::pg_catalog.text[]) WITH ORDINALITY AS t(name, n) ORDER BY n");
  if (!sizes) co_return fail(sizes.error());
  std::vector<std::int64_t> pages;
  for (int row = 0; row < sizes->rows(); ++row) pages.push_back(sizes->integer(row, 0));
  co_return pages;
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
    auto sums = co_await read_back_table(context, target, table);
    if (!sums) co_return fail(sums.error());
    for (const auto& [chunk, digest] : *sums) actual.merge(digest);
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
  if (!pg::chunks_cover_keys(info, chunks_of(context, table))) co_return false;
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
  auto digests = co_await read_back_table(context, target, table);
  if (!digests) co_return fail(digests.error());
  for (int row = 0; row < stored->rows(); ++row) {
    int number = static_cast<int>(stored->integer(row, 0));
    verify::ChunkDigest source_digest;
    source_digest.rows = static_cast<std::uint64_t>(stored->integer(row, 1));
    source_digest.sum = verify::ChunkDigest::parse_sum_hex(stored->text(row, 2)).value_or(0);
    auto recorded = co_await record_chunk_verification(
        context, target, context.chunks.at({table, number}), source_digest, (*digests)[number]);
    if (!recorded) co_return fail(recorded.error());
  }
  co_return true;
}

Task<Result<bool>> help_read_back(RunContext& context) {
  bool helped = false;
  auto read = co_await run_target_lanes(context, std::max(1, context.options.jobs),
                                        [&](pg::Connection& connection) -> Task<Result<bool>> {
                                          auto one = co_await read_one_part(context, connection,
                                                                            std::nullopt, true);
                                          if (one && *one) helped = true;
                                          co_return one;
                                        });
  if (!read) co_return fail(read.error());
  co_return helped;
}

}  // namespace pgshift
