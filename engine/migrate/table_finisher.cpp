#include "engine/migrate/table_finisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "connectors/pg/pg_row_source.hpp"
#include "engine/migrate/chunk_verifier.hpp"
#include "engine/migrate/foreign_keys.hpp"
#include "engine/migrate/slot_tasks.hpp"
#include "engine/migrate/table_readback.hpp"
#include "engine/migrate/target_lanes.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/state/run_state.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

constexpr int kTableLockClass = 7001;

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
  spdlog::debug("{}: finishing", context.table_name(table));
  // Keyed tables whose chunks were not read back at once are read back in one pass before their
  // indexes exist: a sequential read costs less than the indexes' range scans would.
  bool read_back_by_chunk = false;
  if (!info.keyless() && context.options.verify == VerifyMode::kFull) {
    auto passed = co_await verify_chunks_in_one_pass(context, target, table);
    if (!passed) co_return fail(std::move(passed.error()).within("verifying"));
    read_back_by_chunk = !*passed;
  } else if (!info.keyless() && context.options.verify == VerifyMode::kCount) {
    read_back_by_chunk = true;
  }
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
  spdlog::debug("{}: read back", context.table_name(table));
  auto pending =
      co_await state::load_pending_ddl(target, table, "IN ('constraint', 'index', 'sequence')");
  if (!pending) co_return fail(pending.error());
  std::string memory = context.options.maintenance_work_mem.empty()
                           ? ""
                           : "SET LOCAL maintenance_work_mem = " +
                                 pg::quote_literal(context.options.maintenance_work_mem) + "; ";
  auto build = [&](pg::Connection& connection, const state::PendingDdl& ddl) -> Task<Status> {
    auto timed = context.phase_times.time(Phase::kIndexes);
    auto built = co_await connection.query("BEGIN; " + memory + ddl.sql + "; " +
                                           state::mark_ddl_done_sql(ddl) + "; COMMIT");
    if (!built) {
      co_return fail(std::move(built.error()).within("building " + ddl.kind + " " + ddl.name));
    }
    co_return Status{};
  };
  // Plain indexes first, over up to `jobs` connections at once: CREATE INDEX takes a SHARE lock,
  // so several build on one table together (the largest table is often the last one left, and one
  // connection would build its indexes one after another). Then the constraints, which lock the
  // table, one at a time.
  std::vector<const state::PendingDdl*> indexes, others;
  for (const auto& ddl : *pending) (ddl.kind == "index" ? indexes : others).push_back(&ddl);
  std::size_t next_index = 0;
  int lanes = static_cast<int>(
      std::min<std::size_t>(indexes.size(), static_cast<std::size_t>(context.options.jobs)));
  if (lanes >= 2) {
    auto built = co_await run_target_lanes(
        context, lanes, [&](pg::Connection& connection) -> Task<Result<bool>> {
          if (next_index >= indexes.size()) co_return false;
          if (auto done = co_await build(connection, *indexes[next_index++]); !done) {
            co_return fail(done.error());
          }
          co_return true;
        });
    if (!built) co_return fail(built.error());
  } else {
    others.insert(others.begin(), indexes.begin(), indexes.end());
  }
  if (context.stopping) co_return false;
  for (const auto* ddl : others) {
    if (context.stopping) co_return false;
    if (auto done = co_await build(target, *ddl); !done) co_return fail(done.error());
  }
  // Now that the key's index exists, each chunk's read-back is an index range scan.
  if (read_back_by_chunk) {
    if (auto verified = co_await verify_table_chunks(context, table); !verified) {
      co_return fail(std::move(verified.error()).within("verifying"));
    }
  }
  // The foreign keys waiting for this table start now, not after its ANALYZE: their validation
  // can run beside it (foreign_keys.hpp), and at the end of a run nothing else is left to run.
  spdlog::debug("{}: indexed", context.table_name(table));
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
  spdlog::debug("{}: ready", context.table_name(table));
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
