#include "engine/migrate/table_finisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "connectors/pg/pg_row_source.hpp"
#include "engine/migrate/chunk_verifier.hpp"
#include "engine/migrate/foreign_keys.hpp"
#include "engine/migrate/slot_tasks.hpp"
#include "engine/migrate/target_lanes.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/state/run_state.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

constexpr int kTableLockClass = 7001;

// Page ranges of at least this many pages are read back on a connection of their own.
constexpr std::int64_t kMinPagesPerLane = 256;

// The target table read back in page ranges over `jobs` connections at once (a digest is a sum,
// so the parts add up to the whole table's); one connection would verify the table alone at the
// end of its copy, with nothing to overlap it.
Task<Result<verify::ChunkDigest>> digest_whole_table(RunContext& context, pg::Connection& target,
                                                     std::size_t table) {
  const Table& info = context.tables[table];
  auto size = co_await target.query(
      "SELECT pg_catalog.pg_relation_size(" + pg::quote_literal(pg::qualified_name(info)) +
      "::pg_catalog.regclass) / pg_catalog.current_setting('block_size')::bigint");
  if (!size) co_return fail(size.error());
  std::int64_t pages = size->integer(0, 0);
  int parts = static_cast<int>(
      std::clamp<std::int64_t>(pages / kMinPagesPerLane, 1, std::max(1, context.options.jobs)));
  verify::ChunkDigest total;
  int next_part = 0;
  auto read_part = [&](pg::Connection& connection) -> Task<Result<bool>> {
    if (next_part >= parts) co_return false;
    int part = next_part++;
    Chunk range;
    range.table_index = table;
    // The last range is open-ended, and so is the first: no page is left out.
    if (part > 0) range.first_page = pages * part / parts;
    if (part + 1 < parts) range.end_page = pages * (part + 1) / parts;
    pg::PgRowSource readback(connection);
    if (auto begun = co_await readback.begin(info, range); !begun) co_return fail(begun.error());
    verify::RowHasher hasher(context.specs[table].copied_kinds, &context.target_shapes);
    auto digest = co_await verify::digest_stream(readback, hasher);
    if (!digest) co_return fail(digest.error());
    total.merge(*digest);
    co_return true;
  };
  if (parts == 1) {
    auto only = co_await read_part(target);
    if (!only) co_return fail(only.error());
  } else if (auto read = co_await run_target_lanes(context, parts, read_part); !read) {
    co_return fail(read.error());
  }
  co_return total;
}

// Keyless tables: the sum of the source chunk digests against the whole table read back.
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

// Reads back the table's unverified chunks over `jobs` connections at once: the largest table is
// often the last to finish, and one connection would verify its chunks one after another.
Task<Status> verify_table_chunks(RunContext& context, std::size_t table) {
  co_return co_await run_target_lanes(
      context, context.options.jobs,
      [&context, table](pg::Connection& connection) -> Task<Result<bool>> {
        co_return co_await verify_leftover_chunk(context, connection, table);
      });
}

// Whether the finisher analyzes the table: partitions and partitioned parents are analyzed at the
// end, after the partition indexes that post-data attaches (ANALYZE reads index expressions).
bool analyzed_when_finished(const Table& table) {
  return !table.partitioned_parent && !table.is_partition;
}

// Returns true once the table is ready (by this call or an earlier one); false when another
// process holds it.
Task<Result<bool>> finish_table(RunContext& context, std::size_t table) {
  auto lease = co_await context.target_sessions.acquire();
  if (!lease) co_return fail(lease.error());
  pg::Connection& target = **lease;
  std::string lock_key = std::to_string(kTableLockClass) + ", " + std::to_string(table);
  auto locked = co_await target.query("SELECT pg_try_advisory_lock(" + lock_key + ")");
  if (!locked) co_return fail(locked.error());
  if (!locked->boolean(0, 0)) co_return false;  // another process is finishing it
  lease->set_holds_session_state(true);         // closed, not reused, unless unlocked below
  auto phase = co_await target.query("SELECT phase FROM pgshift.tables WHERE table_id = " +
                                     std::to_string(table));
  if (!phase) co_return fail(phase.error());
  if (phase->rows() == 0) co_return false;
  if (phase->text(0, 0) == "ready") co_return true;

  const Table& info = context.tables[table];
  if (info.keyless() && !info.partitioned_parent && context.options.verify != VerifyMode::kOff) {
    auto unverified = co_await target.query(
        "SELECT count(*) FROM pgshift.chunks WHERE verified IS NULL AND table_id = " +
        std::to_string(table));
    if (!unverified) co_return fail(unverified.error());
    if (unverified->integer(0, 0) > 0) {
      if (auto verified = co_await verify_whole_table(context, target, table); !verified) {
        co_return fail(verified.error());
      }
    }
  }
  auto pending =
      co_await state::load_pending_ddl(target, table, "IN ('constraint', 'index', 'sequence')");
  if (!pending) co_return fail(pending.error());
  for (const auto& ddl : *pending) {
    if (context.stopping) co_return false;
    std::string memory = context.options.maintenance_work_mem.empty()
                             ? ""
                             : "SET LOCAL maintenance_work_mem = " +
                                   pg::quote_literal(context.options.maintenance_work_mem) + "; ";
    auto timed = context.phase_times.time(Phase::kIndexes);
    auto built = co_await target.query("BEGIN; " + memory + ddl.sql + "; " +
                                       state::mark_ddl_done_sql(ddl) + "; COMMIT");
    if (!built) {
      co_return fail(std::move(built.error()).within("building " + ddl.kind + " " + ddl.name));
    }
  }
  // Now that the key's index exists, each chunk's read-back is an index range scan.
  if (!info.keyless() && context.options.verify != VerifyMode::kOff) {
    if (auto verified = co_await verify_table_chunks(context, table); !verified) {
      co_return fail(std::move(verified.error()).within("verifying"));
    }
  }
  // The foreign keys waiting for this table start now, not after its ANALYZE: their validation
  // can run beside it (foreign_keys.hpp), and at the end of a run nothing else is left to run.
  context.table_indexed[table] = true;
  co_await attach_ready_foreign_keys(context, target, table);
  start_ready_foreign_keys(context);
  // ANALYZE here rather than after every table: it overlaps the copies still running instead of
  // keeping the end of the run waiting. It commits with the table's 'ready' mark.
  std::string analyze =
      analyzed_when_finished(info) ? "ANALYZE " + pg::qualified_name(info) + "; " : "";
  auto analyzing = context.phase_times.time(Phase::kAnalyze);
  auto ready = co_await target.query("BEGIN; " + analyze +
                                     "UPDATE pgshift.tables SET phase = 'ready' WHERE table_id = " +
                                     std::to_string(table) + "; COMMIT");
  if (!ready) co_return fail(ready.error());
  analyzing.stop();
  auto unlocked = co_await target.query("SELECT pg_advisory_unlock(" + lock_key + ")");
  if (unlocked) lease->set_holds_session_state(false);
  co_return true;
}

}  // namespace

void start_table_finisher(RunContext& context, std::size_t table) {
  start_slot_task(context, context.table_name(table), [&context, table]() -> Task<Status> {
    auto finished = co_await finish_table(context, table);
    if (!finished) co_return fail(finished.error());
    if (*finished && !context.table_finished[table]) {
      context.table_finished[table] = context.table_indexed[table] = true;
      start_ready_foreign_keys(context);
    }
    co_return Status{};
  });
}

}  // namespace pgshift
