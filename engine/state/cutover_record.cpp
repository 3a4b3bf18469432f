#include "engine/state/cutover_record.hpp"

#include <spdlog/spdlog.h>

#include "connectors/pg/session.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::state {
namespace {

std::string lock_keys() {
  std::string keys = std::to_string(kCutoverLockClass);
  keys += ", ";
  keys += std::to_string(kCutoverLockObject);
  return keys;
}

}  // namespace

Task<Result<bool>> take_cutover_lock(pg::Connection& target) {
  auto taken = co_await target.query("SELECT pg_catalog.pg_try_advisory_lock(" + lock_keys() + ")");
  if (!taken) co_return fail(taken.error());
  co_return taken->boolean(0, 0);
}

Task<Result<std::optional<CutoverRecord>>> load_cutover_record(pg::Connection& target) {
  auto exists = co_await target.query("SELECT to_regclass('pgshift.cutover') IS NOT NULL");
  if (!exists) co_return fail(exists.error());
  if (!exists->boolean(0, 0)) co_return std::optional<CutoverRecord>{};
  auto row = co_await target.query(
      "SELECT state, undo_sql, coalesce(unfreeze_hook, '') FROM pgshift.cutover");
  if (!row) co_return fail(row.error());
  if (row->rows() == 0) co_return std::optional<CutoverRecord>{};
  co_return CutoverRecord{row->text(0, 0), row->text(0, 1), row->text(0, 2)};
}

Task<Status> record_freezing(pg::Connection& target, const std::string& undo_sql,
                             const std::string& unfreeze_hook) {
  std::string sql = kCreateCutoverRecordSql;
  sql += "INSERT INTO pgshift.cutover (state, undo_sql, unfreeze_hook) VALUES ('freezing', ";
  sql += pg::quote_literal(undo_sql);
  sql += ", ";
  sql += unfreeze_hook.empty() ? std::string("NULL") : pg::quote_literal(unfreeze_hook);
  sql +=
      ") ON CONFLICT (singleton) DO UPDATE SET state = EXCLUDED.state, undo_sql = "
      "EXCLUDED.undo_sql, unfreeze_hook = EXCLUDED.unfreeze_hook, started_at = now(), "
      "updated_at = now()";
  auto done = co_await target.query(sql);
  if (!done) co_return fail(std::move(done.error()).within("recording the cutover"));
  co_return Status{};
}

Task<Status> set_cutover_state(pg::Connection& target, std::string_view state) {
  auto done = co_await target.query(
      "UPDATE pgshift.cutover SET state = " + pg::quote_literal(state) + ", updated_at = now()");
  if (!done) co_return fail(std::move(done.error()).within("recording the cutover"));
  co_return Status{};
}

Task<Status> undo_freeze(const CutoverRecord& record, const Endpoint& source,
                         const Endpoint& target) {
  auto session = co_await pg::open_session(source, "source");
  if (!session) co_return fail(std::move(session.error()).within("undoing the freeze"));
  auto undone = co_await session->query(record.undo_sql);
  if (!undone) co_return fail(std::move(undone.error()).within("undoing the freeze"));
  if (!record.unfreeze_hook.empty()) {
    auto ran = run_process({"/bin/sh", "-c", record.unfreeze_hook},
                           {{"PGSHIFT_TARGET", target.conninfo()}});
    if (!ran) co_return fail(std::move(ran.error()).within("--unfreeze-hook"));
    if (ran->exit_status != 0) {
      co_return fail(ErrorKind::kRuntime, "--unfreeze-hook exited with status " +
                                              std::to_string(ran->exit_status) + ": " +
                                              ran->err.substr(0, 400));
    }
  }
  co_return Status{};
}

Task<Result<bool>> undo_abandoned_freeze(pg::Connection& target, const Endpoint& source,
                                         const Endpoint& target_endpoint) {
  auto record = co_await load_cutover_record(target);
  if (!record) co_return fail(record.error());
  if (!*record || (*record)->state != "freezing") co_return false;
  // Taken to look, released at once: a live cutover holds it and is undoing its own freeze.
  auto free = co_await take_cutover_lock(target);
  if (!free) co_return fail(free.error());
  if (!*free) co_return false;
  Status undone = co_await undo_freeze(**record, source, target_endpoint);
  auto released =
      co_await target.query("SELECT pg_catalog.pg_advisory_unlock(" + lock_keys() + ")");
  if (!undone) co_return fail(undone.error());
  if (!released) co_return fail(released.error());
  spdlog::warn(
      "a cutover stopped while the source was frozen (killed?): its freeze is undone, the "
      "source takes writes again");
  if (auto marked = co_await set_cutover_state(target, "undone"); !marked)
    co_return fail(marked.error());
  co_return true;
}

}  // namespace pgshift::state
