#include "engine/migrate/foreign_keys.hpp"

#include "engine/migrate/slot_tasks.hpp"
#include "engine/migrate/target_lanes.hpp"

namespace pgshift {
namespace {

constexpr int kForeignKeyLockClass = 7002;

// Idempotent: a foreign key another process created meanwhile is found marked and skipped.
Task<Status> create_foreign_key(pg::Connection& target, const state::PendingDdl& ddl) {
  auto marked = co_await target.query(
      "BEGIN; SELECT pg_catalog.pg_advisory_xact_lock(" + std::to_string(kForeignKeyLockClass) +
      ", " + std::to_string(ddl.table) + "); SELECT done FROM pgshift.ddl WHERE table_id = " +
      std::to_string(ddl.table) + " AND ordinal = " + std::to_string(ddl.ordinal));
  if (!marked) {
    co_await target.query("ROLLBACK");
    co_return fail(marked.error());
  }
  if (marked->rows() == 1 && marked->boolean(0, 0)) {
    auto ended = co_await target.query("COMMIT");
    if (!ended) co_return fail(ended.error());
    co_return Status{};
  }
  auto created = co_await target.query(ddl.sql + "; " + state::mark_ddl_done_sql(ddl) + "; COMMIT");
  if (!created) {
    co_await target.query("ROLLBACK");
    co_return fail(std::move(created.error()).within("creating foreign key " + ddl.name));
  }
  co_return Status{};
}

}  // namespace

Task<Status> load_foreign_keys(RunContext& context, pg::Connection& target) {
  auto pending = co_await state::load_pending_ddl(target, std::nullopt, "= 'foreign_key'");
  if (!pending) co_return fail(pending.error());
  context.foreign_keys = std::move(*pending);
  context.foreign_key_started.assign(context.foreign_keys.size(), false);
  co_return Status{};
}

void start_ready_foreign_keys(RunContext& context) {
  for (std::size_t i = 0; i < context.foreign_keys.size(); ++i) {
    const state::PendingDdl& ddl = context.foreign_keys[i];
    if (context.foreign_key_started[i] || !ddl.references) continue;
    if (!context.table_finished[ddl.table] || !context.table_finished[*ddl.references]) continue;
    context.foreign_key_started[i] = true;
    start_slot_task(
        context, "foreign key " + ddl.name,
        [&context, &ddl]() -> Task<Status> {
          auto target = co_await context.target_sessions.acquire();
          if (!target) co_return fail(target.error());
          co_return co_await create_foreign_key(**target, ddl);
        },
        SlotFailure::kLeaveForLater);
  }
}

Task<Status> create_remaining_foreign_keys(RunContext& context, pg::Connection& target) {
  auto pending = co_await state::load_pending_ddl(target, std::nullopt, "= 'foreign_key'");
  if (!pending) co_return fail(pending.error());
  std::size_t next = 0;
  int lanes = std::max(1, std::min<int>(context.options.jobs, static_cast<int>(pending->size())));
  co_return co_await run_target_lanes(
      context, lanes, [&](pg::Connection& connection) -> Task<Result<bool>> {
        if (next >= pending->size()) co_return false;
        if (auto created = co_await create_foreign_key(connection, (*pending)[next++]); !created) {
          co_return fail(created.error());
        }
        co_return true;
      });
}

}  // namespace pgshift
