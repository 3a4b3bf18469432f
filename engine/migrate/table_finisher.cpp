#include "engine/migrate/table_finisher.hpp"

#include <spdlog/spdlog.h>

#include "connectors/pg/pg_row_source.hpp"
#include "connectors/pg/session.hpp"
#include "engine/migrate/chunk_verifier.hpp"
#include "engine/plan/chunk_sql.hpp"
#include "engine/state/run_state.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

constexpr int kTableLockClass = 7001;

// Keyless tables: the sum of the source chunk digests against the whole table read back.
Task<Status> verify_whole_table(RunContext& context, pg::Connection& target, std::size_t table) {
  const Table& info = context.tables[table];
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
  Chunk whole;
  whole.table = table;
  if (context.options.verify == VerifyMode::kCount) {
    auto counted = co_await target.query("SELECT count(*) FROM ONLY " + plan::qualified_name(info));
    if (!counted) co_return fail(counted.error());
    actual.rows = static_cast<std::uint64_t>(counted->integer(0, 0));
    actual.sum = expected.sum;
  } else {
    pg::PgRowSource readback(target);
    if (auto begun = co_await readback.begin(info, whole); !begun) co_return begun;
    verify::RowHasher hasher(context.specs[table].copied_kinds, &context.target_shapes);
    auto digest = co_await verify::digest_stream(readback, hasher);
    if (!digest) co_return fail(digest.error());
    actual = *digest;
  }
  bool equal = actual == expected;
  auto marked = co_await target.query(
      "UPDATE pgshift.chunks SET verified = " +
      plan::quote_literal(verify_mode_name(context.options.verify)) +
      (equal ? "" : ", state = 'mismatch'") + " WHERE table_id = " + std::to_string(table));
  if (!marked) co_return fail(marked.error());
  if (equal) {
    for (int i = 0; i < stored->rows(); ++i) context.progress->chunk_verified(table);
  } else {
    Mismatch mismatch;
    mismatch.table = table;
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
  std::optional<Error> first_error;
  int running = std::max(1, context.options.jobs);
  Notifier done(context.executor);
  auto lane = [&]() -> Task<void> {
    auto connection = co_await pg::open_session(context.options.target, "target");
    if (!connection) {
      if (!first_error) first_error = connection.error();
    } else {
      while (!first_error && !context.stopping) {
        auto verified = co_await verify_leftover_chunk(context, *connection, table);
        if (!verified) {
          if (!first_error) first_error = verified.error();
          break;
        }
        if (!*verified) break;
      }
    }
    --running;
    done.notify();
  };
  for (int i = running; i > 0; --i) asio::co_spawn(context.executor, lane(), asio::detached);
  while (running > 0) co_await done.wait();
  if (first_error) co_return fail(std::move(*first_error));
  co_return Status{};
}

Task<Status> finish_table(RunContext& context, std::size_t table) {
  auto target = co_await pg::open_session(context.options.target, "target");
  if (!target) co_return fail(target.error());
  auto locked =
      co_await target->query("SELECT pg_try_advisory_lock(" + std::to_string(kTableLockClass) +
                             ", " + std::to_string(table) + ")");
  if (!locked) co_return fail(locked.error());
  if (!locked->boolean(0, 0)) co_return Status{};  // another process is finishing it
  auto phase = co_await target->query("SELECT phase FROM pgshift.tables WHERE table_id = " +
                                      std::to_string(table));
  if (!phase) co_return fail(phase.error());
  if (phase->rows() == 0 || phase->text(0, 0) == "ready") co_return Status{};

  const Table& info = context.tables[table];
  if (info.keyless() && !info.partitioned_parent && context.options.verify != VerifyMode::kOff) {
    auto unverified = co_await target->query(
        "SELECT count(*) FROM pgshift.chunks WHERE verified IS NULL AND table_id = " +
        std::to_string(table));
    if (!unverified) co_return fail(unverified.error());
    if (unverified->integer(0, 0) > 0) {
      if (auto verified = co_await verify_whole_table(context, *target, table); !verified) {
        co_return verified;
      }
    }
  }
  auto pending =
      co_await state::load_pending_ddl(*target, table, "IN ('constraint', 'index', 'sequence')");
  if (!pending) co_return fail(pending.error());
  for (const auto& ddl : *pending) {
    if (context.stopping) co_return Status{};
    std::string memory = context.options.maintenance_work_mem.empty()
                             ? ""
                             : "SET LOCAL maintenance_work_mem = " +
                                   plan::quote_literal(context.options.maintenance_work_mem) + "; ";
    auto built = co_await target->query("BEGIN; " + memory + ddl.sql + "; " +
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
  auto ready = co_await target->query(
      "UPDATE pgshift.tables SET phase = 'ready' WHERE table_id = " + std::to_string(table));
  if (!ready) co_return fail(ready.error());
  co_return Status{};
}

Task<void> finish_table_in_slot(RunContext& context, std::size_t table) {
  while (context.index_slots_free <= 0 && !context.stopping) {
    co_await context.index_slots_changed.wait();
  }
  if (!context.stopping) {
    --context.index_slots_free;
    for (int attempt = 1;; ++attempt) {
      auto finished = co_await finish_table(context, table);
      if (finished || context.stopping) break;
      if (!finished.error().retryable() || attempt > context.options.max_retries) {
        context.record_fatal(std::move(finished.error()).within(context.table_name(table)));
        break;
      }
      spdlog::warn("{}: {} (retry {}/{})", context.table_name(table), finished.error().message,
                   attempt, context.options.max_retries);
      asio::steady_timer timer(context.executor);
      timer.expires_after(std::chrono::milliseconds(500 << std::min(attempt, 5)));
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    ++context.index_slots_free;
  }
  --context.index_builders_running;
  context.index_slots_changed.notify();
}

}  // namespace

void start_table_finisher(RunContext& context, std::size_t table) {
  ++context.index_builders_running;
  asio::co_spawn(context.executor, finish_table_in_slot(context, table),
                 [&context](std::exception_ptr crashed) {
                   if (crashed) {
                     context.record_fatal(Error{ErrorKind::kRuntime, "table finisher crashed"});
                   }
                 });
}

Task<void> wait_for_table_finishers(RunContext& context) {
  while (context.index_builders_running > 0) co_await context.index_slots_changed.wait();
}

}  // namespace pgshift
