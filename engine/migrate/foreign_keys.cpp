#include "engine/migrate/foreign_keys.hpp"

#include <set>

#include <spdlog/spdlog.h>

#include "engine/migrate/slot_tasks.hpp"
#include "engine/migrate/target_lanes.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift {
namespace {

constexpr int kForeignKeyLockClass = 7002;
constexpr const char* kLockNotAvailable = "55P03";
constexpr const char* kForeignKeyViolation = "23503";

// A foreign key that was NOT VALID on the source stays so: its rows were never checked there.
bool validated_on_source(const state::PendingDdl& ddl) {
  return !ddl.sql.ends_with(" NOT VALID");
}

enum class Attached { kToValidate, kDone, kBusy };

// One transaction, under the advisory lock on the referencing table: re-reads the mark and the
// catalog, and adds the key NOT VALID unless a process (this one before a crash, or another) has
// added it already. Without `wait`, a lock held elsewhere ends it at once with kBusy.
Task<Result<Attached>> attach_foreign_key(pg::Connection& target, const Table& table,
                                          const state::PendingDdl& ddl, bool wait) {
  std::string begin = wait ? "BEGIN; " : "BEGIN; SET LOCAL lock_timeout = '50ms'; ";
  auto seen = co_await target.query(
      begin + "SELECT pg_catalog.pg_advisory_xact_lock(" + std::to_string(kForeignKeyLockClass) +
      ", " + std::to_string(ddl.table) +
      "); SELECT d.done, k.convalidated FROM pgshift.ddl d LEFT JOIN pg_catalog.pg_constraint k "
      "ON k.conrelid = " +
      pg::quote_literal(pg::qualified_name(table)) +
      "::pg_catalog.regclass AND k.conname = " + pg::quote_literal(ddl.name) +
      " AND k.contype = 'f' WHERE d.table_id = " + std::to_string(ddl.table) +
      " AND d.ordinal = " + std::to_string(ddl.ordinal));
  auto give_up = [&](Error error) -> Result<Attached> {
    if (!wait && error.sqlstate == kLockNotAvailable) return Attached::kBusy;
    return fail(std::move(error).within("creating foreign key " + ddl.name));
  };
  if (!seen) {
    co_await target.query("ROLLBACK");
    co_return give_up(std::move(seen.error()));
  }
  bool done = seen->rows() == 1 && seen->boolean(0, 0);
  bool present = seen->rows() == 1 && !seen->is_null(0, 1);
  bool valid = present && seen->boolean(0, 1);
  std::string statements;
  Attached next = Attached::kToValidate;
  if (done) {
    next = Attached::kDone;
  } else {
    if (!present) statements = ddl.sql + (validated_on_source(ddl) ? " NOT VALID; " : "; ");
    if (valid || !validated_on_source(ddl)) {
      statements += state::mark_ddl_done_sql(ddl) + "; ";
      next = Attached::kDone;
    }
  }
  auto committed = co_await target.query(statements + "COMMIT");
  if (!committed) {
    co_await target.query("ROLLBACK");
    co_return give_up(std::move(committed.error()));
  }
  co_return next;
}

// The scan that checks every row, and the mark, in one transaction. Idempotent: validating a
// valid key does nothing, so it needs no advisory lock.
Task<Status> validate_foreign_key(pg::Connection& target, const Table& table,
                                  const state::PendingDdl& ddl) {
  auto validated = co_await target.query("BEGIN; ALTER TABLE " + pg::qualified_name(table) +
                                         " VALIDATE CONSTRAINT " + pg::quote_identifier(ddl.name) +
                                         "; " + state::mark_ddl_done_sql(ddl) + "; COMMIT");
  if (!validated) {
    co_await target.query("ROLLBACK");
    // Rows without their parent: the run stops on this error, and the target keeps no NOT VALID
    // key that would look like a finished one.
    if (validated.error().sqlstate == kForeignKeyViolation) {
      co_await target.query("ALTER TABLE " + pg::qualified_name(table) +
                            " DROP CONSTRAINT IF EXISTS " + pg::quote_identifier(ddl.name));
    }
    co_return fail(std::move(validated.error()).within("validating foreign key " + ddl.name));
  }
  co_return Status{};
}

Task<Status> create_foreign_key(RunContext& context, pg::Connection& target,
                                const state::PendingDdl& ddl) {
  const Table& table = context.tables[ddl.table];
  auto timed = context.phase_times.time(Phase::kForeignKeys);
  auto attached = co_await attach_foreign_key(target, table, ddl, true);
  if (!attached) co_return fail(attached.error());
  if (*attached != Attached::kToValidate) co_return Status{};
  spdlog::debug("{}: validating foreign key {}", pg::qualified_name(table), ddl.name);
  auto validated = co_await validate_foreign_key(target, table, ddl);
  spdlog::debug("{}: foreign key {} validated", pg::qualified_name(table), ddl.name);
  co_return validated;
}

bool both_tables_indexed(const RunContext& context, const state::PendingDdl& ddl) {
  return ddl.references && context.table_indexed[ddl.table] &&
         context.table_indexed[*ddl.references];
}

}  // namespace

Task<Status> find_replaceable_tables(RunContext& context, pg::Connection& target) {
  auto referenced = co_await target.query(
      "SELECT DISTINCT n.nspname, c.relname FROM pg_catalog.pg_constraint k "
      "JOIN pg_catalog.pg_class c ON c.oid = k.confrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE k.contype = 'f'");
  if (!referenced) co_return fail(referenced.error());
  std::set<std::pair<std::string, std::string>> on_target;
  for (int row = 0; row < referenced->rows(); ++row) {
    on_target.emplace(referenced->text(row, 0), referenced->text(row, 1));
  }
  std::vector<bool> by_the_run(context.tables.size(), false);
  for (const auto& ddl : context.foreign_keys) {
    if (ddl.references && *ddl.references < by_the_run.size()) by_the_run[*ddl.references] = true;
  }
  for (std::size_t i = 0; i < context.tables.size() && i < context.specs.size(); ++i) {
    const Table& table = context.tables[i];
    context.specs[i].whole_table_replaceable = !table.keyless() && !table.partitioned_parent &&
                                               !table.is_partition && !by_the_run[i] &&
                                               !on_target.count({table.schema, table.name});
  }
  co_return Status{};
}

Task<Status> load_foreign_keys(RunContext& context, pg::Connection& target) {
  auto pending = co_await state::load_pending_ddl(target, std::nullopt, "= 'foreign_key'");
  if (!pending) co_return fail(pending.error());
  context.foreign_keys = std::move(*pending);
  context.foreign_key_started.assign(context.foreign_keys.size(), false);
  co_return Status{};
}

Task<void> attach_ready_foreign_keys(RunContext& context, pg::Connection& target,
                                     std::size_t table) {
  for (std::size_t i = 0; i < context.foreign_keys.size(); ++i) {
    const state::PendingDdl& ddl = context.foreign_keys[i];
    if (context.foreign_key_started[i] || !both_tables_indexed(context, ddl)) continue;
    if (ddl.table != table && *ddl.references != table) continue;
    auto attached = co_await attach_foreign_key(target, context.tables[ddl.table], ddl, false);
    // Whatever went wrong is met again, and reported, by the foreign key's own task.
    if (!attached) spdlog::debug("{} (left for its own task)", attached.error().message);
  }
}

void start_ready_foreign_keys(RunContext& context) {
  for (std::size_t i = 0; i < context.foreign_keys.size(); ++i) {
    const state::PendingDdl& ddl = context.foreign_keys[i];
    if (context.foreign_key_started[i] || !both_tables_indexed(context, ddl)) continue;
    context.foreign_key_started[i] = true;
    start_slot_task(
        context, "foreign key " + ddl.name,
        [&context, &ddl]() -> Task<Status> {
          auto target = co_await context.target_sessions.acquire();
          if (!target) co_return fail(target.error());
          co_return co_await create_foreign_key(context, **target, ddl);
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
        if (auto created = co_await create_foreign_key(context, connection, (*pending)[next++]);
            !created) {
          co_return fail(created.error());
        }
        co_return true;
      });
}

}  // namespace pgshift
